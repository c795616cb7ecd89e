package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.myelin.examples.Demo;

class DemoOptionsTest {

    @Test
    void noOptionsGiveTheDefaults() {
        assertThat(DemoOptions.parse()).isEqualTo(new DemoOptions(2000, 0.2, null, null, false, 0, false, null, null));
        assertThat(DemoOptions.parse().plannedFailures()).isEqualTo(400);
    }

    @Test
    void optionsTakeTheirValueAsTheNextArgumentOrAfterAnEqualsSign() {
        DemoOptions options = DemoOptions.parse("--orders", "200", "--fail-share=0.5", "--bootstrap-servers", "kafka:9092",
                "--registry-url=http://registry:8080/apis/ccompat/v7");

        assertThat(options).isEqualTo(new DemoOptions(200, 0.5, "kafka:9092", "http://registry:8080/apis/ccompat/v7", false, 0, false, null, null));
    }

    @Test
    void theConsolePortAndKeepRunningAreRead() {
        DemoOptions options = DemoOptions.parse("--console-port", "8086", "--keep-running");

        assertThat(options.consolePort()).isEqualTo(8086);
        assertThat(options.keepRunning()).isTrue();
        assertThat(DemoOptions.parse().keepRunning()).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--console-port", "70000"))
                .withMessage("--console-port must be 0 (a free port) to 65535: 70000");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--console-port=1", "--console-port=2"))
                .withMessageContaining("--console-port was already set");
    }

    @Test
    void theCommandTimeoutIsReadInSeconds() {
        assertThat(DemoOptions.parse("--command-timeout", "90").commandTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(DemoOptions.parse().commandTimeout()).isNull();
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--command-timeout=0"))
                .withMessage("--command-timeout must be a positive number of seconds: 0");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--command-timeout", "soon"))
                .withMessageContaining("--command-timeout must be a whole number");
    }

    @SuppressWarnings("deprecation")
    @Test
    void theOldConstructorMeansAFreeConsolePortAndNoKeepRunning() {
        assertThat(new DemoOptions(5, 0.1, null, null, false)).isEqualTo(new DemoOptions(5, 0.1, null, null, false, 0, false, null, null));
        assertThat(new DemoOptions(5, 0.1, null, null, false, 8086, true)).isEqualTo(new DemoOptions(5, 0.1, null, null, false, 8086, true, null, null));
        assertThat(new DemoOptions(5, 0.1, null, null, false, 8086, true, "shop-2")).isEqualTo(new DemoOptions(5, 0.1, null, null, false, 8086, true, "shop-2", null));
    }

    @Test
    void theApplicationNameIsReadAndMustBeATopicPrefix() {
        assertThat(DemoOptions.parse("--application", "shop-demo").application()).isEqualTo("shop-demo");
        assertThat(DemoOptions.parse("--application=shop_2").application()).isEqualTo("shop_2");
        assertThat(DemoOptions.parse().application()).isNull();
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--application", "my.shop"))
                .withMessageContaining("--application must be letters, digits");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--application=a", "--application=b"))
                .withMessage("--application was already set to a");
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--order", "5"))
                .withMessage("unknown option '--order'");
    }

    @Test
    void anOptionWithoutItsValueSaysSo() {
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--orders"))
                .withMessage("--orders needs a value");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--orders", "--fail-share", "0.1"))
                .withMessage("--orders needs a value");
    }

    @Test
    void badValuesSayWhatIsExpected() {
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--orders", "many"))
                .withMessage("--orders must be a whole number: 'many'");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--orders", "0"))
                .withMessage("--orders must be 1 to 1000000: 0");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--fail-share", "1.5"))
                .withMessage("--fail-share must be 0 to 1: 1.5");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--fail-share", "NaN"))
                .withMessage("--fail-share must be 0 to 1: NaN");
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--registry-url", "registry:8080"))
                .withMessageContaining("must be an http:// or https:// URL");
    }

    @Test
    void anOptionGivenTwiceIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> DemoOptions.parse("--orders", "5", "--orders=6"))
                .withMessage("--orders was already set to 5");
    }

    @Test
    void demoExitsWithTwoAndAClearMessageOnABadOption() {
        Output output = new Output();

        int code = Demo.run(new String[] {"--orderz", "5"}, output.out, output.err, false);

        assertThat(code).isEqualTo(Demo.USAGE).isEqualTo(2);
        assertThat(output.err()).isEqualTo("Error: unknown option '--orderz' (try --help)" + System.lineSeparator());
        assertThat(output.out()).isEmpty();
    }

    @Test
    void demoHelpPrintsEveryOptionAndExitsWithZero() {
        Output output = new Output();

        int code = Demo.run(new String[] {"--help"}, output.out, output.err, false);

        assertThat(code).isZero();
        assertThat(output.out()).startsWith("Usage:")
                .contains("--orders N", "--fail-share F", "--bootstrap-servers HOSTS", "--registry-url URL", "--help");
        assertThat(output.err()).isEmpty();
    }

    /** Captures what the demo prints on each stream. */
    private static final class Output {
        private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

        String out() {
            return outBytes.toString(StandardCharsets.UTF_8);
        }

        String err() {
            return errBytes.toString(StandardCharsets.UTF_8);
        }
    }
}
