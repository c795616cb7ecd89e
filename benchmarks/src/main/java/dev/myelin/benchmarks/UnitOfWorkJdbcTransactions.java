package dev.myelin.benchmarks;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.ConnectionWrapperFactory;
import org.axonframework.common.jdbc.JdbcException;
import org.axonframework.common.transaction.Transaction;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

/**
 * Axon's transactions over plain JDBC, without Spring: a transaction started inside a unit of work
 * takes a pooled connection, turns auto-commit off and attaches it to the unit of work's root, and
 * every connection the event store asks for while that unit of work runs is that one. So the
 * events a command decides are inserted and committed in one database transaction, which is what
 * Spring's transaction manager would do for an Axon application.
 *
 * <p>Outside a unit of work (creating the schema, say) there is nothing to tie a connection to:
 * the event store gets an auto-commit connection per statement, as with no transaction manager.
 */
final class UnitOfWorkJdbcTransactions implements TransactionManager, ConnectionProvider {

    /** Our own resource key, not Axon's: nothing else in the unit of work should find or close it. */
    private static final String CONNECTION = UnitOfWorkJdbcTransactions.class.getName() + ".connection";

    private final DataSource dataSource;

    UnitOfWorkJdbcTransactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (CurrentUnitOfWork.isStarted()) {
            Connection attached = CurrentUnitOfWork.get().root().getResource(CONNECTION);
            if (attached != null) {
                return attached;
            }
        }
        return dataSource.getConnection();
    }

    @Override
    public Transaction startTransaction() {
        if (!CurrentUnitOfWork.isStarted()) {
            return NONE;
        }
        UnitOfWork<?> root = CurrentUnitOfWork.get().root();
        if (root.getResource(CONNECTION) != null) {
            // the storage engine opens its own transaction inside the command's: the outer one commits
            return NONE;
        }
        Connection connection;
        try {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
        } catch (SQLException e) {
            throw new JdbcException("could not start a transaction", e);
        }
        // the event store closes each connection it is given after its statement: that must not
        // end the transaction, so it gets a wrapper whose close does nothing
        root.resources().put(CONNECTION, ConnectionWrapperFactory.wrap(connection, new ConnectionWrapperFactory.NoOpCloseHandler()));
        return new Transaction() {
            /** A failed commit makes the unit of work roll back too: the connection is back in the pool by then. */
            private boolean released;

            @Override
            public void commit() {
                end(Connection::commit, "could not commit");
            }

            @Override
            public void rollback() {
                end(Connection::rollback, "could not roll back");
            }

            private void end(SqlAction action, String failure) {
                if (released) {
                    return;
                }
                released = true;
                try {
                    action.run(connection);
                } catch (SQLException e) {
                    throw new JdbcException(failure, e);
                } finally {
                    release(root, connection);
                }
            }
        };
    }

    @FunctionalInterface
    private interface SqlAction {
        void run(Connection connection) throws SQLException;
    }

    private static void release(UnitOfWork<?> root, Connection connection) {
        root.resources().remove(CONNECTION);
        try {
            connection.setAutoCommit(true);
            connection.close();
        } catch (SQLException e) {
            // the pool discards a connection it cannot reset; nothing else to do here
        }
    }

    private static final Transaction NONE = new Transaction() {
        @Override
        public void commit() {
        }

        @Override
        public void rollback() {
        }
    };
}
