package io.berth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * Berth's logging, set up in code rather than from a logback.xml: the XML route loads logback's Joran
 * parser and the JDK's XML stack (several hundred classes), a large share of the start-up time.
 * Log lines go to stderr; the access log (logger "berth.access", one JSON object per line) to stdout;
 * Jetty, HikariCP, Flyway and the object-store SDKs only from WARN. Setting {@code -Dlogback.configurationFile=...} still
 * works: this configurator then steps aside for logback's own.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ConsoleAppender<ILoggingEvent> stderr = console(context, "STDERR", "System.err",
                "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{20} - %msg%n");
        ConsoleAppender<ILoggingEvent> access = console(context, "ACCESS", "System.out", "%msg%n");

        ch.qos.logback.classic.Logger accessLogger = context.getLogger("berth.access");
        accessLogger.setLevel(Level.INFO);
        accessLogger.setAdditive(false);
        accessLogger.addAppender(access);
        // libraries whose INFO is start-up or per-request chatter: object-store SDKs, and S3Proxy (the S3
        // server the tests start)
        for (String quiet : new String[]{"org.eclipse.jetty", "com.zaxxer.hikari", "org.flywaydb",
                "software.amazon.awssdk", "com.azure", "com.google", "org.gaul"}) {
            context.getLogger(quiet).setLevel(Level.WARN);
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String name, String target, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(name);
        appender.setTarget(target);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
