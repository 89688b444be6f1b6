package io.ktls4j;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Exposes a source of {@code tls_stat} counters as a JMX MBean named {@code io.ktls4j:type=TlsStatistics,source=…},
 * one read-only {@code long} attribute per counter, named as in {@code /proc/net/tls_stat}.
 */
public final class TlsStatisticsMBean implements DynamicMBean {
    private final String source;
    private final Supplier<TlsStatistics> counters;

    public TlsStatisticsMBean(String source, Supplier<TlsStatistics> counters) {
        this.source = source;
        this.counters = counters;
    }

    /** The MBean's name for a source ("software", "kernel"). */
    public static ObjectName objectName(String source) {
        try {
            return new ObjectName("io.ktls4j:type=TlsStatistics,source=" + ObjectName.quote(source));
        } catch (JMException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Registers with the platform MBean server; a second registration of the same source is a no-op. */
    public static void register(String source, Supplier<TlsStatistics> counters) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(new TlsStatisticsMBean(source, counters), objectName(source));
        } catch (InstanceAlreadyExistsException e) {
            // already there: one MBean per source and process
        } catch (JMException e) {
            throw new IllegalStateException("cannot register the " + source + " tls_stat MBean", e);
        }
    }

    @Override
    public Object getAttribute(String attribute) {
        TlsStat stat = TlsStat.byName(attribute);
        if (stat == null) {
            throw new IllegalArgumentException("no tls_stat counter named " + attribute);
        }
        return counters.get().get(stat);
    }

    @Override
    public void setAttribute(Attribute attribute) {
        throw new UnsupportedOperationException("tls_stat counters are read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        TlsStatistics snapshot = counters.get();
        AttributeList list = new AttributeList();
        for (String a : attributes) {
            TlsStat stat = TlsStat.byName(a);
            if (stat != null) {
                list.add(new Attribute(a, snapshot.get(stat)));
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
        throw new UnsupportedOperationException("no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        TlsStat[] stats = TlsStat.values();
        MBeanAttributeInfo[] attrs = new MBeanAttributeInfo[stats.length];
        for (int i = 0; i < stats.length; i++) {
            attrs[i] = new MBeanAttributeInfo(stats[i].name(), "long", stats[i].meaning(),
                    true, false, false);
        }
        return new MBeanInfo(getClass().getName(), "kTLS statistics (" + source + ")", attrs, null, null, null);
    }
}
