package dev.myelin.console;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.application.Myelin;
import dev.myelin.console.internal.ConsoleAccess;
import dev.myelin.console.internal.ConsoleApi;
import dev.myelin.console.internal.ConsoleServer;
import dev.myelin.console.internal.LiveViews;
import dev.myelin.console.internal.MeterSums;
import dev.myelin.console.internal.PayloadMask;
import dev.myelin.console.internal.Runtimes;
import dev.myelin.console.internal.TopicReader;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.SagaRuntime;

/**
 * A web console served by the application itself: its event stores, projections and saga runtimes
 * with their health, lag and dead letters, live; an aggregate's state and history; a projection's
 * views and dead letters, with redrive; a saga's state and its type's diagram. It shows what the
 * application has started at the moment of each request, so it may be started before or after them.
 *
 * <pre>{@code
 * try (Myelin shop = Myelin.application("shop").bootstrapServers(servers).build();
 *      MyelinConsole console = MyelinConsole.start(shop, ConsoleOptions.defaults())) {
 *     shop.eventStore(Order.TYPE);
 *     System.out.println("Console at " + console.url());
 *     ...
 * }
 * }</pre>
 *
 * <p>It binds to 127.0.0.1 unless told otherwise and is read-only unless {@link ConsoleOptions} give it
 * an access token: then an action (a redrive, a skip) must carry {@code Authorization: Bearer <token>},
 * which the page sends once the token is typed in, and which other web sites cannot make a browser
 * send. Payloads can be masked per topic, type, projection or saga (personal data); neither payloads
 * nor the token are logged.
 */
public final class MyelinConsole implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MyelinConsole.class);

    private final ConsoleServer server;

    private MyelinConsole(ConsoleServer server) {
        this.server = server;
    }

    /**
     * Starts the console of {@code application} with the {@code myelin.console.*} properties the
     * application was given (see {@link ConsoleOptions#fromProperties}); without any, on a free port
     * of 127.0.0.1, read-only.
     *
     * @param application the application to show
     * @return the running console
     * @throws java.io.UncheckedIOException if it cannot listen
     * @throws IllegalArgumentException if a {@code myelin.console.*} property is malformed
     */
    public static MyelinConsole start(Myelin application) {
        return start(application, ConsoleOptions.fromProperties(application.consoleProperties()));
    }

    /**
     * Starts the console of {@code application} where {@code options} say.
     *
     * @param application the application to show
     * @param options     where to listen, the access token and the masks
     * @return the running console
     * @throws java.io.UncheckedIOException if it cannot listen there (such as a port in use)
     */
    public static MyelinConsole start(Myelin application, ConsoleOptions options) {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(options, "options");
        AtomicReference<TopicReader> topics = new AtomicReference<>();
        Runtimes runtimes = new Runtimes() {
            @Override
            public String application() {
                return application.name();
            }

            @Override
            public List<EventStore<?, ?, ?>> eventStores() {
                return application.eventStores();
            }

            @Override
            public List<RunningProjection<?, ?>> projections() {
                return application.projections();
            }

            @Override
            public List<SagaRuntime<?, ?>> sagas() {
                return application.sagas();
            }

            @Override
            public OptionalDouble counted(String meter, String tag, String value) {
                // the registry is looked at only when there is one: Micrometer may be absent from the class path
                return application.config().meterRegistry().isPresent()
                        ? OptionalDouble.of(MeterSums.sum(application.config().meterRegistry().get(), meter, tag, value))
                        : OptionalDouble.empty();
            }

            @Override
            public RunningProjection<?, ?> startProjection(Projection<?, ?> projection) {
                // registered with the application: listed with its projections, closed with it
                return application.projection(projection);
            }

            @Override
            public List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, Duration timeout) {
                // made when first needed: an application without a cluster has no topics to read
                TopicReader reader = topics.updateAndGet(r -> r != null ? r : new TopicReader(clientProperties(application.config())));
                return reader.readAll(topic, timeout);
            }
        };
        ConsoleAccess access = new ConsoleAccess(options.accessToken(), loopback(options.host()));
        PayloadMask mask = new PayloadMask(options.maskedPayloads(), options.maskedFields());
        // live streams bypass the API's access check, so they are served only where reads need no token: on loopback
        ConsoleApi api = new ConsoleApi(runtimes, access, mask);
        // a live view follows the version the console reads, so after a rebuild switched it shows the new one
        LiveViews live = access.loopback() ? new LiveViews(api::currentProjection) : null;
        ConsoleServer server = ConsoleServer.start(api, live, options.host(), options.port());
        // the options' text never holds the token
        LOG.info("Myelin Console of {} at {} ({})", application.name(), server.url(), options);
        if (!access.loopback() && !access.actionsEnabled()) {
            LOG.warn("the Myelin Console of {} listens on {} without an access token: whoever reaches it reads the application's data",
                    application.name(), options.host());
        }
        return new MyelinConsole(server);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("the console cannot listen on " + host + ": unknown host", e);
        }
    }

    private static Map<String, Object> clientProperties(MyelinConfig config) {
        Map<String, Object> properties = new HashMap<>(config.properties());
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return properties;
    }

    /**
     * Returns where a browser finds the console, such as {@code http://127.0.0.1:43117/}.
     *
     * @return the console's url
     */
    public URI url() {
        return server.url();
    }

    /** Stops the console; the application goes on. Idempotent. */
    @Override
    public void close() {
        server.close();
    }
}
