package io.berth.testing;

import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the project read from its sources, not from the build, so a test can hold the build to them. */
public final class Project {
    private Project() {
    }

    /** The {@code <version>} of pom.xml (the project's own, not a parent's or a dependency's). */
    public static String version() {
        Path pom = Path.of("pom.xml");
        if (!Files.isRegularFile(pom)) {
            throw new AssertionError("no pom.xml in " + Path.of("").toAbsolutePath() + ": tests run from the project directory");
        }
        try {
            Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
            for (Node n = project.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && "version".equals(e.getTagName())) {
                    return e.getTextContent().strip();
                }
            }
        } catch (Exception e) {
            throw new AssertionError("cannot read pom.xml: " + e, e);
        }
        throw new AssertionError("pom.xml has no <version>");
    }
}
