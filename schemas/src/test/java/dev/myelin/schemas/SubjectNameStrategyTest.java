package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;

class SubjectNameStrategyTest {

    private final Schema schema = AccountOpened.getClassSchema();

    @Test
    void topic_strategy_appends_value_or_key() {
        assertThat(SubjectNameStrategy.TOPIC.subjectName("bank.account.events", false, schema)).isEqualTo("bank.account.events-value");
        assertThat(SubjectNameStrategy.TOPIC.subjectName("bank.account.events", true, schema)).isEqualTo("bank.account.events-key");
    }

    @Test
    void record_strategy_uses_the_full_record_name() {
        assertThat(SubjectNameStrategy.RECORD.subjectName("any", false, schema)).isEqualTo("dev.myelin.schemas.testing.AccountOpened");
    }

    @Test
    void topic_record_strategy_joins_topic_and_full_name() {
        assertThat(SubjectNameStrategy.TOPIC_RECORD.subjectName("bank.account.events", false, schema))
                .isEqualTo("bank.account.events-dev.myelin.schemas.testing.AccountOpened");
    }

    @Test
    void record_strategy_refuses_an_unnamed_schema() {
        assertThatThrownBy(() -> SubjectNameStrategy.RECORD.subjectName("t", false, Schema.create(Schema.Type.STRING)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a named schema");
    }

    @Test
    void strategies_are_found_by_their_configuration_names() {
        assertThat(SubjectNameStrategy.named("topic")).isSameAs(SubjectNameStrategy.TOPIC);
        assertThat(SubjectNameStrategy.named("record")).isSameAs(SubjectNameStrategy.RECORD);
        assertThat(SubjectNameStrategy.named("topic-record")).isSameAs(SubjectNameStrategy.TOPIC_RECORD);
        assertThatThrownBy(() -> SubjectNameStrategy.named("TopicNameStrategy"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topic, record or topic-record");
    }

    @Test
    void serializer_registers_under_the_configured_subject() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        AvroSerdeConfig topic = AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC).build();
        new AvroSerializer<MoneyDeposited>(topic).serialize("deposits", new MoneyDeposited("a", 1L));
        new AvroSerializer<MoneyDeposited>(topic, true).serialize("deposits", new MoneyDeposited("a", 1L));
        AvroSerdes.specific(MoneyDeposited.class, registry).serializer().serialize("deposits", new MoneyDeposited("a", 1L));

        assertThat(registry.subjects()).containsExactly("deposits-value", "deposits-key",
                "dev.myelin.schemas.testing.MoneyDeposited");
    }
}
