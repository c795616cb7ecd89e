package dev.myelin.examples.springbank;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.processors.Projection;
import dev.myelin.spring.boot.MyelinRuntimes;

/**
 * The bank's HTTP API: a POST sends a command to the account's event store and answers with its
 * outcome (200 accepted, 409 rejected or in conflict); a GET reads the account's state from the
 * event store, or its balance from the projection's view (404 when there is none). Commands and
 * views are Avro records inside; over HTTP they are plain JSON records.
 */
@RestController
@RequestMapping("/accounts/{id}")
public class AccountController {

    private final MyelinRuntimes myelin;
    private final Projection<String, AccountBalance> balances;

    /**
     * Creates the controller.
     *
     * @param myelin   the running event stores and projections
     * @param balances the balances projection bean
     */
    public AccountController(MyelinRuntimes myelin, Projection<String, AccountBalance> balances) {
        this.myelin = myelin;
        this.balances = balances;
    }

    /**
     * Opens an account.
     *
     * @param id      the account id
     * @param command its owner
     * @return the outcome
     */
    @PostMapping
    public CompletableFuture<ResponseEntity<Outcome>> open(@PathVariable String id, @RequestBody Open command) {
        return send(id, new OpenAccount(command.owner()));
    }

    /**
     * Deposits money.
     *
     * @param id      the account id
     * @param command the amount
     * @return the outcome
     */
    @PostMapping("/deposits")
    public CompletableFuture<ResponseEntity<Outcome>> deposit(@PathVariable String id, @RequestBody Amount command) {
        return send(id, new Deposit(command.amount()));
    }

    /**
     * Withdraws money; refused when it would overdraw.
     *
     * @param id      the account id
     * @param command the amount
     * @return the outcome
     */
    @PostMapping("/withdrawals")
    public CompletableFuture<ResponseEntity<Outcome>> withdraw(@PathVariable String id, @RequestBody Amount command) {
        return send(id, new Withdraw(command.amount()));
    }

    /**
     * Returns the account's state, as its event store has it now.
     *
     * @param id the account id
     * @return the state, or 404
     */
    @GetMapping
    public ResponseEntity<State> state(@PathVariable String id) {
        return ResponseEntity.of(myelin.eventStore(Account.TYPE).state(id)
                .map(s -> new State(s.state().getOpen(), s.state().getOwner(), s.state().getBalance(), s.version())));
    }

    /**
     * Returns the account's balance from the balances view, which follows the events a moment later.
     *
     * @param id the account id
     * @return the balance, or 404
     */
    @GetMapping("/balance")
    public ResponseEntity<Balance> balance(@PathVariable String id) {
        return ResponseEntity.of(myelin.projection(balances).query().get(id)
                .map(view -> new Balance(view.getOwner(), view.getBalance(), view.getMovements())));
    }

    private CompletableFuture<ResponseEntity<Outcome>> send(String id, SpecificRecord command) {
        return myelin.gateway(Account.TYPE).send(id, command).thenApply(AccountController::outcome);
    }

    private static ResponseEntity<Outcome> outcome(CommandResult<SpecificRecord> result) {
        if (result instanceof CommandResult.Accepted<SpecificRecord> accepted) {
            return ResponseEntity.ok(new Outcome("accepted", accepted.newVersion(),
                    accepted.events().stream().map(event -> event.getSchema().getName()).toList(), null));
        }
        if (result instanceof CommandResult.Rejected<SpecificRecord> rejected) {
            return ResponseEntity.status(HttpStatus.CONFLICT).body(new Outcome("rejected", null, List.of(), rejected.reason()));
        }
        CommandResult.Conflict<SpecificRecord> conflict = (CommandResult.Conflict<SpecificRecord>) result;
        return ResponseEntity.status(HttpStatus.CONFLICT).body(new Outcome("conflict", conflict.actual(), List.of(),
                "expected version " + conflict.expected() + ", the account is at " + conflict.actual()));
    }

    /**
     * The body that opens an account.
     *
     * @param owner the owner's name
     */
    public record Open(String owner) {
    }

    /**
     * The body of a deposit or withdrawal.
     *
     * @param amount the amount, positive
     */
    public record Amount(long amount) {
    }

    /**
     * A command's outcome.
     *
     * @param outcome "accepted", "rejected" or "conflict"
     * @param version the account's version after it, when known
     * @param events  the names of the events it recorded
     * @param reason  why it was refused, when it was
     */
    public record Outcome(String outcome, Long version, List<String> events, String reason) {
    }

    /**
     * An account's state.
     *
     * @param open    whether it is open
     * @param owner   its owner
     * @param balance its balance
     * @param version its version: the number of events it has
     */
    public record State(boolean open, String owner, long balance, long version) {
    }

    /**
     * An account's balance, from the view.
     *
     * @param owner     its owner
     * @param balance   its balance
     * @param movements its deposits and withdrawals
     */
    public record Balance(String owner, long balance, int movements) {
    }
}
