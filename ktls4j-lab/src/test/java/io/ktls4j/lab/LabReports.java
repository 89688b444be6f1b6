package io.ktls4j.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/** The JUnit XML reports ({@code TEST-*.xml}) a lab run wrote, summed per test class. */
final class LabReports {
    /** Counts of one test class; {@code failed} includes errors. */
    record ClassResult(int tests, int skipped, int failed) {
        ClassResult plus(ClassResult o) {
            return new ClassResult(tests + o.tests, skipped + o.skipped, failed + o.failed);
        }
    }

    private static final Pattern DISPLAY_NAME = Pattern.compile("(?m)^display-name: (.*)$");

    final Map<String, ClassResult> byClass = new TreeMap<>();
    final List<String> failures = new ArrayList<>();
    final int files;

    private LabReports(int files) {
        this.files = files;
    }

    static LabReports read(Path dir) throws IOException {
        List<Path> xml;
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                xml = s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
            }
        } else {
            xml = List.of();
        }
        LabReports r = new LabReports(xml.size());
        for (Path p : xml) {
            r.add(p);
        }
        return r;
    }

    private void add(Path file) throws IOException {
        NodeList cases;
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            cases = factory.newDocumentBuilder().parse(file.toFile()).getElementsByTagName("testcase");
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("unreadable JUnit report " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String cls = c.getAttribute("classname");
            boolean skipped = c.getElementsByTagName("skipped").getLength() > 0;
            Element problem = first(c, "failure");
            if (problem == null) {
                problem = first(c, "error");
            }
            byClass.merge(cls, new ClassResult(1, skipped ? 1 : 0, problem == null ? 0 : 1), ClassResult::plus);
            if (problem != null) {
                failures.add(cls + "." + c.getAttribute("name") + displayName(c) + ": "
                        + problem.getAttribute("message") + "\n" + head(problem.getTextContent(), 25));
            }
        }
    }

    ClassResult total() {
        return byClass.values().stream().reduce(new ClassResult(0, 0, 0), ClassResult::plus);
    }

    /** One header line and one line per class. */
    String summary(String header) {
        ClassResult t = total();
        StringBuilder sb = new StringBuilder(header).append(": ").append(line(t)).append('\n');
        byClass.forEach((cls, r) -> sb.append("  ").append(cls).append(": ").append(line(r)).append('\n'));
        return sb.toString();
    }

    private static String line(ClassResult r) {
        return r.tests() + " tests, " + r.skipped() + " skipped, " + r.failed() + " failed";
    }

    /** " {@code <display name>}" for parameterized invocations (their report name is only an index). */
    private static String displayName(Element testcase) {
        if (!testcase.getAttribute("name").endsWith("]")) {
            return "";
        }
        Matcher m = DISPLAY_NAME.matcher(testcase.getTextContent());
        return m.find() ? " " + m.group(1).strip() : "";
    }

    private static Element first(Element parent, String tag) {
        NodeList l = parent.getElementsByTagName(tag);
        return l.getLength() == 0 ? null : (Element) l.item(0);
    }

    private static String head(String text, int lines) {
        return String.join("\n", text.strip().lines().limit(lines).toList());
    }
}
