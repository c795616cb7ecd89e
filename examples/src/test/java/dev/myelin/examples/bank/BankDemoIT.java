package dev.myelin.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class BankDemoIT {

    @Test
    void opensDepositsRefusesTheOverdraftAndTheViewShowsTheBalance() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        long balance = BankDemo.run(new PrintStream(printed, true, StandardCharsets.UTF_8));

        assertThat(balance).isEqualTo(70L);
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("accepted, version 1")
                .contains("accepted, version 2")
                .contains("rejected: withdrawing 150 would overdraw balance 100")
                .contains("accepted, version 3")
                .contains("State of acc-1 at version 3: {\"open\": true, \"owner\": \"ada\", \"balance\": 70}")
                .contains("account-balances view of acc-1: {\"owner\": \"ada\", \"balance\": 70, \"movements\": 2}");
    }
}
