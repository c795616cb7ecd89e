package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.processors.DeadLetter;
import dev.myelin.schemas.RecordOrigin;

/**
 * The Myelin Console in a real browser (the machine's headless Chromium, driven by Selenium through
 * the Debian chromedriver: nothing is downloaded) over the running shop demo on an embedded broker:
 * each page shows the shop's figures, an order's history leads to the saga that approved it, the
 * sagas page draws the diagram and follows a compensated saga's timeline with each command and reply,
 * the access token turns actions on, and a projection's dead letter redriven from the page is folded
 * and pushed to the live view. Each page's screenshot is written under {@code target/screenshots/}.
 *
 * <p>It lives with the shop, not in the console's module, since the shop depends on the console.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final int ORDERS = 60;
    private static final int COMPENSATED = 15;
    private static final Duration DEMO_PATIENCE = Duration.ofMinutes(5);
    private static final Duration PAGE_PATIENCE = Duration.ofSeconds(30);
    private static final Pattern URL = Pattern.compile("Still running for the Myelin Console at (\\S+); press");
    private static final Pattern TOKEN = Pattern.compile("Console access token for actions such as redrive \\(enter it in the page\\): (\\S+)");
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Pattern KAFKA = Pattern.compile("Kafka \\S+ at (\\S+) \\(");

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final AtomicReference<Throwable> demoFailure = new AtomicReference<>();
    private Thread demo;
    private WebDriver browser;
    private String url;
    private String token;
    private String servers;

    @BeforeAll
    void startTheShopAndTheBrowser() throws Exception {
        // a machine without them fails here, saying what to install: the browser test is never skipped in silence
        assertThat(new File(CHROMIUM)).as("Chromium is missing: install the Debian packages with"
                + " 'apt-get install -y chromium chromium-driver' (.ci/run does) to run the console's browser test").isFile();
        assertThat(new File(CHROMEDRIVER)).as("chromedriver is missing: install the Debian packages with"
                + " 'apt-get install -y chromium chromium-driver' (.ci/run does) to run the console's browser test").isFile();

        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
        DemoOptions options = DemoOptions.parse("--orders", String.valueOf(ORDERS), "--fail-share", "0.25", "--keep-running");
        demo = new Thread(() -> {
            try {
                ShopDemo.run(options, out, false);
            } catch (Throwable e) {
                demoFailure.set(e);
            }
        }, "shop-demo");
        demo.start();
        long deadline = System.nanoTime() + DEMO_PATIENCE.toNanos();
        Matcher running = URL.matcher("");
        while (!running.reset(printed()).find()) {
            assertThat(demoFailure.get()).as("the demo failed; it printed:%n%s", printed()).isNull();
            assertThat(demo.isAlive()).as("the demo ended early; it printed:%n%s", printed()).isTrue();
            assertThat(System.nanoTime()).as("the demo did not reach its summary within %s; it printed:%n%s", DEMO_PATIENCE, printed())
                    .isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        url = running.group(1);
        Matcher tokenLine = TOKEN.matcher(printed());
        assertThat(tokenLine.find()).as("the demo prints the console's access token").isTrue();
        token = tokenLine.group(1);
        Matcher kafka = KAFKA.matcher(printed());
        assertThat(kafka.find()).as("the demo prints where Kafka is").isTrue();
        servers = kafka.group(1);

        // the driver and the browser are named outright, so Selenium Manager never looks for (or downloads) either
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER);
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM);
        chrome.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1600");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, chrome);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stopTheBrowserAndTheShop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        if (demo != null) {
            // --keep-running waits for Ctrl+C; an interrupt ends the wait the same way, and the demo cleans up
            demo.interrupt();
            demo.join(Duration.ofMinutes(1).toMillis());
        }
    }

    @Test
    void theOverviewShowsTheStoresTheProjectionAndTheSagaCounts() throws IOException {
        open("#overview");

        await(() -> rows("overview-stores").size() == 3 && text("overview-sagas").contains("place-order"));
        assertThat(text("application")).isEqualTo("shop");
        await(() -> rows("overview-stores").stream().map(row -> cells(row).get(0)).toList().equals(List.of("customer", "stock", "order")));
        await(() -> text("overview-projections").contains("RUNNING"));
        assertThat(text("overview-projections")).contains("order-dashboard");
        // the demo counts on a meter registry: throughput is a figure, not a dash (the shop is idle once its orders ended)
        await(() -> cells(rows("overview-stores").get(2)).get(3).matches("\\d+\\.\\d")
                && cells(rows("overview-projections").get(0)).get(5).matches("\\d+\\.\\d"));
        // running, compensating, completed, compensated, failed
        await(() -> cells(rows("overview-sagas").get(0)).subList(2, 7)
                .equals(List.of("0", "0", String.valueOf(ORDERS - COMPENSATED), String.valueOf(COMPENSATED), "0")));
        screenshot("overview");
    }

    @Test
    void actionsNeedTheTokenWhichThePageTakesForTheTab() {
        open("#overview");
        // the token is kept for the tab: forget one an earlier test may have entered
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        await(() -> text("access").equals("enter the token to act"));

        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.cssSelector("#token-form button")).click();

        await(() -> text("access").equals("actions enabled"));
        assertThat(browser.findElement(By.id("token")).getAttribute("value")).as("the field is cleared").isEmpty();
    }

    @Test
    void anOrdersHistoryLeadsToTheSagaThatApprovedIt() throws IOException {
        open("#aggregates");
        await(() -> new Select(browser.findElement(By.id("aggregate-type"))).getOptions().size() == 3);
        new Select(browser.findElement(By.id("aggregate-type"))).selectByValue("order");
        browser.findElement(By.id("aggregate-id")).sendKeys("o-00001");
        browser.findElement(By.cssSelector("#aggregate-form button")).click();

        await(() -> text("aggregate-result").contains("OrderApproved"));
        assertThat(text("aggregate-result")).contains("order o-00001 at version 2").contains("OrderPlaced").contains("APPROVED");
        screenshot("aggregates");

        browser.findElement(By.linkText("saga:place-order:i:approve:o-00001")).click();

        await(() -> browser.findElements(By.cssSelector("#saga-timeline tbody tr")).size() > 5);
        assertThat(text("saga-detail")).contains("Saga o-00001 of place-order").contains("COMPLETED");
        assertThat(text("saga-timeline")).contains("STARTED").contains("command saga:place-order:i:reserve-credit:o-00001")
                .contains("STEP_SUCCEEDED").contains("COMPLETED");
        // each command with what was sent and the participant's reply, decoded
        String reserveCredit = awaitValue(() -> browser.findElements(By.cssSelector("#saga-timeline tbody tr")).stream()
                .map(WebElement::getText).filter(row -> row.contains("command saga:place-order:i:reserve-credit:o-00001"))
                .findFirst().orElse(null));
        assertThat(reserveCredit).contains("sent:").contains("\"orderId\": \"o-00001\"").contains("\"amount\"")
                .contains("reply:").contains("Accepted").contains("newVersion");
        screenshot("saga-timeline-exchanges");
    }

    @Test
    void theSagasPageDrawsTheDiagramWithCountsAndFollowsACompensatedSaga() throws IOException {
        open("#sagas/place-order");
        await(() -> !browser.findElements(By.cssSelector("#saga-diagram svg")).isEmpty());
        await(() -> text("saga-counts").contains((ORDERS - COMPENSATED) + " completed"));
        assertThat(text("saga-counts")).contains(COMPENSATED + " compensated").contains("0 failed");
        // the drawn diagram carries the counts: every order passed check-order
        assertThat(browser.findElement(By.cssSelector("#saga-diagram svg")).getAttribute("textContent")).contains("success (" + ORDERS + ")");
        await(() -> rows("saga-list").size() == ORDERS);
        screenshot("sagas");

        new Select(browser.findElement(By.id("saga-status"))).selectByValue("COMPENSATED");
        await(() -> rows("saga-list").size() == COMPENSATED && rows("saga-list").stream().allMatch(r -> r.getText().contains("COMPENSATED")));
        // the list is polled: read a row, and click its link, again should it be redrawn meanwhile
        List<String> first = awaitValue(() -> cells(rows("saga-list").get(0)));
        String id = first.get(0);
        String reason = first.get(6);
        assertThat(reason).containsAnyOf("credit limit", "in stock");
        await(() -> {
            browser.findElement(By.linkText(id)).click();
            return true;
        });

        await(() -> text("saga-detail").contains("Saga " + id + " of place-order") && text("saga-timeline").contains("COMPENSATED"));
        assertThat(text("saga-state")).contains("COMPENSATED").contains(reason);
        assertThat(text("saga-timeline")).contains("STEP_FAILED").contains("COMPENSATING").contains("compensation saga:place-order:c:");
        screenshot("saga-timeline");

        // the saga runtime's dead letters: the shop has none
        browser.findElement(By.id("saga-dead-letters-load")).click();
        await(() -> text("saga-dead-letters-status").contains("0 dead letter(s) on shop.saga.place-order.dead-letters"));
    }

    @Test
    void theProjectionsPageShowsTheDashboardAndItsView() throws IOException {
        open("#projections");
        await(() -> text("projection-detail").contains("RUNNING"));
        assertThat(text("projection-detail")).contains("shop.order.events").contains("caught up");

        browser.findElement(By.id("view-key")).sendKeys(Shop.DASHBOARD_KEY);
        browser.findElement(By.cssSelector("#view-form button")).click();

        await(() -> text("view-result").contains("APPROVED"));
        assertThat(text("view-result")).contains("\"APPROVED\": " + (ORDERS - COMPENSATED)).contains("\"REJECTED\": " + COMPENSATED);
        screenshot("projections");
    }

    @Test
    void aDeadLetterRedrivenFromThePageIsFoldedAndTheLiveViewShowsIt() throws Exception {
        open("#projections");
        await(() -> text("projection-detail").contains("RUNNING"));
        String deadLetterTopic = awaitValue(() -> cells(browser.findElements(By.cssSelector("#projection-detail tr")).stream()
                .filter(row -> row.getText().startsWith("Dead-letter topic")).findFirst().orElseThrow()).get(1));
        enterToken();

        browser.findElement(By.id("live-key")).sendKeys(Shop.DASHBOARD_KEY);
        browser.findElement(By.cssSelector("#live-form button")).click();
        await(() -> rows("live-changes").size() == 1 && text("live-status").startsWith("watching"));
        assertThat(text("live-changes")).as("the view as it is").contains("\"PENDING\": 0");

        // a stand-in for an event the dashboard's handler once failed on: an order's OrderPlaced, as dead-lettered
        ConsumerRecord<byte[], byte[]> placed = firstRecord("shop.order.events", "o-00002@1");
        RecordOrigin origin = RecordOrigin.of(placed.topic(), placed.partition(), placed.offset());
        Map<String, Object> producerProps = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(deadLetterTopic, 0, placed.key(), placed.value(), DeadLetterHeaders.with(placed.headers(),
                    DeadLetter.PROJECTION, "order-dashboard", DeadLetter.Reason.HANDLER_FAILED.name(),
                    new IllegalStateException("the dashboard could not fold it then"), origin, 3, Instant.now(), 900_000))).get();
        }

        // the one place for dead letters counts it, and opens it on the projection's page, where it is redriven
        browser.findElement(By.cssSelector("nav a[data-page='dead-letters']")).click();
        await(() -> rows("dead-letter-owners").stream().anyMatch(r -> cells(r).get(1).equals("order-dashboard") && cells(r).get(3).equals("1")));
        assertThat(rows("dead-letter-owners")).extracting(r -> cells(r).get(0) + " " + cells(r).get(1)).containsExactly(
                "event store customer", "event store stock", "event store order", "projection order-dashboard", "saga runtime place-order");
        screenshot("dead-letters");
        await(() -> {
            rows("dead-letter-owners").stream().filter(r -> cells(r).get(1).equals("order-dashboard")).findFirst().orElseThrow()
                    .findElement(By.tagName("button")).click();
            return true;
        });
        await(() -> text("dead-letters").contains("the dashboard could not fold it then"));
        assertThat(rows("live-changes")).as("the live view went on while another page was shown").hasSize(1);
        screenshot("projection-dead-letters");
        browser.findElement(By.cssSelector("#dead-letters button")).click();
        browser.switchTo().alert().accept();

        await(() -> text("dead-letters").contains("REDRIVEN by"));
        // folded once more: one order more is pending, pushed to the page as it was committed
        await(() -> rows("live-changes").size() >= 2 && text("live-changes").contains("\"PENDING\": 1"));
        assertThat(rows("live-changes").get(0).getText()).as("the newest change first").contains("\"PENDING\": 1");
        browser.findElement(By.id("view-key")).sendKeys(Shop.DASHBOARD_KEY);
        browser.findElement(By.cssSelector("#view-form button")).click();
        await(() -> text("view-result").contains("\"PENDING\": 1"));
        screenshot("live-view");
        browser.findElement(By.id("live-stop")).click();
    }

    private void enterToken() {
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.cssSelector("#token-form button")).click();
        await(() -> text("access").equals("actions enabled"));
    }

    /** Reads {@code topic} from its start until the record keyed {@code key}. */
    private ConsumerRecord<byte[], byte[]> firstRecord(String topic, String key) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + PAGE_PATIENCE.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key() != null && new String(record.key(), StandardCharsets.UTF_8).equals(key)) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no record keyed " + key + " on " + topic + " within " + PAGE_PATIENCE);
    }

    private void open(String hash) {
        // a hash change alone keeps the page: load it anew so that each test starts from the same place
        browser.get("about:blank");
        browser.get(url + hash);
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private List<WebElement> rows(String tbody) {
        return browser.findElements(By.cssSelector("#" + tbody + " tr"));
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }

    /**
     * Waits for the page to show {@code condition}: it polls the application, so figures arrive within
     * a second or two, and an element read while the page redraws it is read again.
     */
    private void await(BooleanSupplier condition) {
        new WebDriverWait(browser, PAGE_PATIENCE).ignoring(RuntimeException.class).until(driver -> condition.getAsBoolean());
    }

    /** Reads a value from the page, again if an element was redrawn while it was read. */
    private <T> T awaitValue(Supplier<T> read) {
        return new WebDriverWait(browser, PAGE_PATIENCE).ignoring(RuntimeException.class).until(driver -> read.get());
    }

    private void screenshot(String page) throws IOException {
        Files.write(SCREENSHOTS.resolve(page + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
}
