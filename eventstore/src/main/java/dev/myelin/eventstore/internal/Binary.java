package dev.myelin.eventstore.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Small helpers for Myelin's own length-prefixed binary formats (store values, results). These
 * formats carry a leading format byte so they can evolve.
 */
final class Binary {

    private Binary() {
    }

    /** A growable output with length-prefixed strings and byte arrays. */
    static final class Out {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        private final DataOutputStream out = new DataOutputStream(bytes);

        Out writeByte(int b) {
            try {
                out.writeByte(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out writeLong(long v) {
            try {
                out.writeLong(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out writeInt(int v) {
            try {
                out.writeInt(v);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out writeBytes(byte[] b) {
            try {
                out.writeInt(b.length);
                out.write(b);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Out writeString(String s) {
            return writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    /** The reading side of {@link Out}. */
    static final class In {
        private final DataInputStream in;

        In(byte[] data) {
            in = new DataInputStream(new ByteArrayInputStream(data));
        }

        int readByte() {
            try {
                return in.readByte();
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated Myelin binary value", e);
            }
        }

        long readLong() {
            try {
                return in.readLong();
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated Myelin binary value", e);
            }
        }

        int readInt() {
            try {
                return in.readInt();
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated Myelin binary value", e);
            }
        }

        byte[] readBytes() {
            try {
                int length = in.readInt();
                if (length < 0 || length > in.available()) {
                    throw new IllegalArgumentException("corrupt Myelin binary value: length " + length);
                }
                return in.readNBytes(length);
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated Myelin binary value", e);
            }
        }

        String readString() {
            return new String(readBytes(), StandardCharsets.UTF_8);
        }
    }
}
