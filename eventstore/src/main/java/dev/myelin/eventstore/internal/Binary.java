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

        /** Writes a non-negative number in 7-bit groups, low first: versions and counts are mostly small. */
        Out writeVarLong(long v) {
            if (v < 0) {
                throw new IllegalArgumentException("a variable-length number must not be negative: " + v);
            }
            while ((v & ~0x7FL) != 0) {
                writeByte((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            return writeByte((int) v);
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

        long readVarLong() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = readByte();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new IllegalArgumentException("corrupt Myelin binary value: a variable-length number longer than 10 bytes");
        }

        String readString() {
            return new String(readBytes(), StandardCharsets.UTF_8);
        }
    }
}
