package dev.myelin.sagas;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;

/**
 * Runs the place-order saga runtime in a JVM of its own, so {@link SagaCrashIT} can kill it with
 * SIGKILL. Arguments: bootstrap servers, application name, state directory. Prints {@code RUNNING}
 * once the runtime runs, then runs until killed.
 */
public final class SagaRuntimeMain {
    private SagaRuntimeMain() {
    }

    /**
     * Starts the runtime.
     *
     * @param args bootstrap servers, application name, state directory
     * @throws InterruptedException never in practice: the process is killed
     */
    public static void main(String[] args) throws InterruptedException {
        MyelinConfig config = SagaCrashIT.config(args[0], args[1]);
        SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(
                Shop.placeOrder(config.application(), Shop.singleObject(), Duration.ofSeconds(30)), config)
                .stateDirectory(Path.of(args[2])).start();
        Runtime.getRuntime().addShutdownHook(new Thread(runtime::close));
        System.out.println("RUNNING");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
