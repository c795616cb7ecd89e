package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.TopicScan;
import dev.myelin.processors.MyelinProjectionException;
import dev.myelin.processors.ViewChange;
import dev.myelin.processors.ViewSubscription;

/**
 * The live subscriptions of one running projection: one consumer reads the view store's changelog
 * with read_committed (so only changes of committed transactions) from its end as it is at the first
 * subscription, and hands each change to the subscriptions whose keys match, each into its own bounded
 * buffer drained by its own thread. The reader never waits for a subscriber: a full buffer drops its
 * oldest change. The reader stops when the last subscription closes.
 */
final class ViewChanges<K, V> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ViewChanges.class);
    /** How long the first subscription waits for the reader to find the changelog's end. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String projection;
    private final String changelog;
    private final Map<String, Object> consumerProperties;
    private final Deserializer<K> keys;
    private final Deserializer<V> views;
    private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
    private Reader reader;
    private boolean closed;

    ViewChanges(String projection, String changelog, Map<String, Object> clientProperties, Deserializer<K> keys, Deserializer<V> views) {
        this.projection = projection;
        this.changelog = changelog;
        this.consumerProperties = TopicScan.consumerProperties(clientProperties, changelog + "-myelin-subscriptions");
        this.keys = keys;
        this.views = views;
    }

    /** Subscribes; once this returns, every change committed after it is delivered (unless dropped). */
    ViewSubscription subscribe(Predicate<? super K> which, int buffer, Consumer<? super ViewChange<K, V>> listener) {
        Objects.requireNonNull(which, "keys");
        Objects.requireNonNull(listener, "listener");
        if (buffer < 1) {
            throw new IllegalArgumentException("a subscription's buffer holds at least 1 change: " + buffer);
        }
        Reader started;
        Subscription subscription = new Subscription(which, buffer, listener);
        synchronized (this) {
            if (closed) {
                throw new MyelinProjectionException("projection " + projection + " is closed: nothing to subscribe to");
            }
            subscriptions.add(subscription);
            if (reader == null) {
                reader = new Reader();
                reader.thread.start();
            }
            started = reader;
        }
        try {
            started.awaitPositioned();
        } catch (RuntimeException e) {
            subscription.close();
            throw e;
        }
        subscription.thread.start();
        return subscription;
    }

    /** Closes every subscription and stops the reader. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        subscriptions.forEach(Subscription::close);
    }

    private void remove(Subscription subscription) {
        synchronized (this) {
            subscriptions.remove(subscription);
            if (subscriptions.isEmpty() && reader != null) {
                reader.stop();
                reader = null;
            }
        }
    }

    /** The one consumer of the changelog. */
    private final class Reader implements Runnable {
        final Thread thread = new Thread(this, "myelin-view-changes-" + projection + "-" + THREADS.incrementAndGet());
        private final CountDownLatch positioned = new CountDownLatch(1);
        private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
        private volatile boolean running = true;
        private volatile KafkaConsumer<byte[], byte[]> consumer;

        Reader() {
            thread.setDaemon(true);
        }

        void awaitPositioned() {
            try {
                if (!positioned.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new MyelinProjectionException("could not find the end of " + changelog + " within " + START_TIMEOUT);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MyelinProjectionException("interrupted while subscribing to " + projection, e);
            }
            if (failure.get() != null) {
                throw new MyelinProjectionException("cannot read the changes of projection " + projection + " from " + changelog
                        + ": " + failure.get().getMessage(), failure.get());
            }
        }

        void stop() {
            running = false;
            KafkaConsumer<byte[], byte[]> current = consumer;
            if (current != null) {
                current.wakeup();
            }
        }

        @Override
        public void run() {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                List<PartitionInfo> infos = c.partitionsFor(changelog, START_TIMEOUT);
                if (infos == null || infos.isEmpty()) {
                    throw new MyelinProjectionException("the changelog " + changelog + " does not exist");
                }
                List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(changelog, p.partition())).toList();
                c.assign(partitions);
                c.seekToEnd(partitions);
                // resolves the end now: what is committed after this is what the subscribers see
                partitions.forEach(p -> c.position(p, START_TIMEOUT));
                positioned.countDown();
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(500))) {
                        dispatch(record);
                    }
                }
            } catch (WakeupException e) {
                // stopped
            } catch (RuntimeException e) {
                if (positioned.getCount() > 0) {
                    failure.set(e);
                } else {
                    LOG.error("Projection {}: the reader of its view changes ({}) stopped; its subscriptions close", projection,
                            changelog, e);
                    subscriptions.forEach(Subscription::close);
                }
            } finally {
                positioned.countDown();
            }
        }

        private void dispatch(ConsumerRecord<byte[], byte[]> record) {
            if (record.key() == null) {
                return;
            }
            K key;
            try {
                key = keys.deserialize(changelog, record.key());
            } catch (RuntimeException e) {
                LOG.warn("Projection {}: a key on {} at offset {} cannot be read ({}); not delivered", projection, changelog,
                        record.offset(), e.getClass().getName());
                return;
            }
            Optional<V> view = null;
            for (Subscription subscription : subscriptions) {
                if (!subscription.keys.test(key)) {
                    continue;
                }
                if (view == null) {
                    try {
                        view = record.value() == null ? Optional.empty() : Optional.of(views.deserialize(changelog, record.value()));
                    } catch (RuntimeException e) {
                        LOG.warn("Projection {}: a view on {} at offset {} cannot be read ({}); not delivered", projection, changelog,
                                record.offset(), e.getClass().getName());
                        return;
                    }
                }
                subscription.offer(new ViewChange<>(key, view, Instant.ofEpochMilli(Math.max(0, record.timestamp())), 0));
            }
        }
    }

    /** One subscriber: its keys, its bounded buffer and its delivery thread. */
    private final class Subscription implements ViewSubscription, Runnable {
        final Predicate<? super K> keys;
        final Thread thread = new Thread(this, "myelin-view-subscription-" + projection + "-" + THREADS.incrementAndGet());
        private final int capacity;
        private final Consumer<? super ViewChange<K, V>> listener;
        private final ArrayDeque<ViewChange<K, V>> buffer = new ArrayDeque<>();
        private long missed;
        private long delivered;
        private long dropped;
        private boolean open = true;

        Subscription(Predicate<? super K> keys, int capacity, Consumer<? super ViewChange<K, V>> listener) {
            this.keys = keys;
            this.capacity = capacity;
            this.listener = listener;
            thread.setDaemon(true);
        }

        synchronized void offer(ViewChange<K, V> change) {
            if (!open) {
                return;
            }
            if (buffer.size() >= capacity) {
                buffer.removeFirst();
                missed++;
                dropped++;
            }
            buffer.addLast(change);
            notifyAll();
        }

        @Override
        public void run() {
            while (true) {
                ViewChange<K, V> next;
                synchronized (this) {
                    while (open && buffer.isEmpty()) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    if (!open) {
                        return;
                    }
                    ViewChange<K, V> head = buffer.removeFirst();
                    next = missed == 0 ? head : new ViewChange<>(head.key(), head.view(), head.timestamp(), missed);
                    missed = 0;
                }
                try {
                    listener.accept(next);
                } catch (RuntimeException e) {
                    // the listener's business; the changes go on (no payload in the log)
                    LOG.warn("Projection {}: a view subscriber threw {}; it keeps its subscription", projection, e.toString());
                }
                synchronized (this) {
                    delivered++;
                }
            }
        }

        @Override
        public synchronized long delivered() {
            return delivered;
        }

        @Override
        public synchronized long dropped() {
            return dropped;
        }

        @Override
        public synchronized boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (!open) {
                    return;
                }
                open = false;
                buffer.clear();
                notifyAll();
            }
            remove(this);
        }
    }
}
