package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;

/** What a redriven command carries, and where a dead letter stands after its actions. */
class CommandDeadLettersTest {

    @Test
    void aRedrivenCommandKeepsItsOwnHeadersWithoutTheDeadLetterOnesAndNamesItsCommandId() {
        Headers dead = new RecordHeaders();
        dead.add(CommandHeaders.CORRELATION_ID, "corr-1".getBytes(StandardCharsets.UTF_8));
        dead.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        dead.add(CommandHeaders.ERROR, "decide threw".getBytes(StandardCharsets.UTF_8));
        dead.add(DeadLetterHeaders.SOURCE_TOPIC, "bank.account.commands".getBytes(StandardCharsets.UTF_8));
        dead.add(DeadLetterHeaders.FAILED_AT, "2026-01-02T03:04:05Z".getBytes(StandardCharsets.UTF_8));

        Headers sent = CommandDeadLetters.commandHeaders(dead, "bank.account.commands-1@7");

        assertThat(EventMetadata.header(sent, CommandHeaders.CORRELATION_ID)).contains("corr-1");
        assertThat(EventMetadata.header(sent, "traceparent")).contains("00-abc-def-01");
        assertThat(EventMetadata.header(sent, CommandHeaders.COMMAND_ID)).as("known again by the processor")
                .contains("bank.account.commands-1@7");
        assertThat(sent.lastHeader(CommandHeaders.ERROR)).isNull();
        assertThat(sent).noneMatch(h -> h.key().startsWith("myelin.dead-letter."));
    }

    @Test
    void aDeadLetterIsPendingUntilItsLastActionRedrivesOrSkipsIt() {
        CommandDeadLetter pending = letter(List.of());
        CommandDeadLetter redriven = letter(List.of(new DeadLetterAction(DeadLetterStatus.REDRIVEN, "ada",
                Instant.parse("2026-01-02T03:05:00Z"))));

        assertThat(pending.status()).isEqualTo(DeadLetterStatus.PENDING);
        assertThat(redriven.status()).isEqualTo(DeadLetterStatus.REDRIVEN);
        assertThat(redriven.toString()).contains("cmd-1", "REDRIVEN").doesNotContain("add 1");
        assertThatIllegalArgumentException().isThrownBy(() -> new DeadLetterAction(DeadLetterStatus.PENDING, "ada",
                Instant.EPOCH));
    }

    private static CommandDeadLetter letter(List<DeadLetterAction> actions) {
        return new CommandDeadLetter(Optional.of("acc-1"), "cmd-1", CommandHeaders.TYPE_COMMAND, Optional.empty(), "decide threw",
                RecordOrigin.of("bank.account.commands", 1, 7), RecordOrigin.of("bank.account.dead-letters", 1, 0),
                Instant.parse("2026-01-02T03:04:05Z"), "add 1".getBytes(StandardCharsets.UTF_8), actions);
    }
}
