package dev.myelin.reliability;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.AccountState;

/**
 * The bank's command processor as its own process, for {@link ApplicationCrashIT} to kill with
 * SIGKILL. Arguments: bootstrap servers, application name, state directory. Prints {@link #READY}
 * once the processor runs, then serves until the process ends.
 */
public final class CommandProcessorMain {
    /** The line printed when the processor is RUNNING. */
    public static final String READY = "MYELIN-COMMAND-PROCESSOR-READY";

    private CommandProcessorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: CommandProcessorMain <bootstrap servers> <application> <state directory>");
        }
        MyelinConfig config = ReliabilityApp.config(args[0], args[1])
                // static membership, as a supervisor that restarts the same instance would use: the new process
                // takes the killed one's place at once instead of waiting out its session timeout (45 s)
                .property("group.instance.id", "processor-1")
                // RocksDB's smallest memtable, so that the test's few thousand commands flush each store (and with it
                // the store's changelog offsets) a few times: a restart after SIGKILL then replays only the tail since
                .property(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, 65_536)
                .build();
        EventStore<AccountState, SpecificRecord, SpecificRecord> store = ReliabilityApp.start(config, ReliabilityApp.avro(), Path.of(args[2]));
        // a polite stop (SIGTERM) closes the store; SIGKILL, the point of the test, runs nothing
        Runtime.getRuntime().addShutdownHook(new Thread(store::close, "close-event-store"));
        System.out.println(READY);
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
