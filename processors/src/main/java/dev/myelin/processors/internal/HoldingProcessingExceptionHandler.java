package dev.myelin.processors.internal;

import java.util.Map;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The processing exception handler of every projection: fails, always. A projection's processors
 * dead-letter what is the event's fault themselves, so what reaches this handler is a held partition
 * or Kafka Streams' own trouble, and skipping it (as a log-and-continue handler would) would drop an
 * event that is fine. The stream thread then ends, its transaction aborts, and the runtime replaces it.
 */
public final class HoldingProcessingExceptionHandler implements ProcessingExceptionHandler {

    /** Creates the handler; Kafka Streams does, by class name. */
    public HoldingProcessingExceptionHandler() {
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        return Response.fail();
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
