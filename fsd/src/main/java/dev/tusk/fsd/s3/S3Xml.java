package dev.tusk.fsd.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * S3's XML: a small writer for responses and a hardened parser (no DTDs, no entities, bounded
 * size) for the two request bodies the gateway reads, CompleteMultipartUpload and Delete.
 */
final class S3Xml {
  static final String NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
  /** Request bodies larger than this are refused (S3's limit for Delete is about 1000 keys). */
  static final int MAX_REQUEST_BYTES = 2 << 20;
  private static final DateTimeFormatter ISO =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final StringBuilder out = new StringBuilder(512);
  private final List<String> open = new ArrayList<>();

  private S3Xml() {}

  /** A document whose root element is {@code root}, in S3's namespace. */
  static S3Xml document(String root) {
    S3Xml xml = new S3Xml();
    xml.out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.out.append('<').append(root).append(" xmlns=\"").append(NAMESPACE).append("\">");
    xml.open.add(root);
    return xml;
  }

  /** A document without a namespace (S3's Error documents have none). */
  static S3Xml plainDocument(String root) {
    S3Xml xml = new S3Xml();
    xml.out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<").append(root).append('>');
    xml.open.add(root);
    return xml;
  }

  S3Xml start(String name) {
    out.append('<').append(name).append('>');
    open.add(name);
    return this;
  }

  S3Xml end() {
    out.append("</").append(open.remove(open.size() - 1)).append('>');
    return this;
  }

  /** {@code <name>text</name>}; nothing when text is null. */
  S3Xml element(String name, Object text) {
    if (text != null) {
      out.append('<').append(name).append('>');
      escape(String.valueOf(text));
      out.append("</").append(name).append('>');
    }
    return this;
  }

  String finish() {
    while (!open.isEmpty()) {
      end();
    }
    return out.toString();
  }

  /** S3's timestamp form, in milliseconds. */
  static String time(Instant at) {
    return ISO.format(at.truncatedTo(ChronoUnit.MILLIS));
  }

  private void escape(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out.append("&#x").append(Integer.toHexString(c)).append(';');
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  // ---- parsing ----

  /** One part named in a CompleteMultipartUpload body. */
  record Part(int number, String etag) {}

  /** The parts of a CompleteMultipartUpload body, in the order given. */
  static List<Part> parseCompleteMultipartUpload(byte[] body) {
    Element root = parse(body, "CompleteMultipartUpload");
    List<Part> parts = new ArrayList<>();
    for (Element part : children(root, "Part")) {
      String number = text(part, "PartNumber");
      String etag = text(part, "ETag");
      if (number == null || etag == null) {
        throw S3Exception.malformedXml("Every Part needs a PartNumber and an ETag");
      }
      try {
        parts.add(new Part(Integer.parseInt(number.strip()), etag.strip()));
      } catch (NumberFormatException e) {
        throw S3Exception.malformedXml("PartNumber '" + number + "' is not a number");
      }
    }
    if (parts.isEmpty()) {
      throw S3Exception.malformedXml("CompleteMultipartUpload names no parts");
    }
    return parts;
  }

  /** A Delete body: the keys, and whether the answer is to be quiet. */
  record DeleteRequest(List<String> keys, boolean quiet) {}

  static DeleteRequest parseDelete(byte[] body) {
    Element root = parse(body, "Delete");
    List<String> keys = new ArrayList<>();
    for (Element object : children(root, "Object")) {
      String key = text(object, "Key");
      if (key == null || key.isEmpty()) {
        throw S3Exception.malformedXml("Every Object needs a Key");
      }
      keys.add(key);
    }
    if (keys.isEmpty() || keys.size() > 1000) {
      throw S3Exception.malformedXml("Delete must name 1 to 1000 objects, not " + keys.size());
    }
    return new DeleteRequest(keys, "true".equalsIgnoreCase(text(root, "Quiet")));
  }

  private static Element parse(byte[] body, String rootName) {
    if (body.length > MAX_REQUEST_BYTES) {
      throw S3Exception.malformedXml("The XML body is larger than " + MAX_REQUEST_BYTES + " bytes");
    }
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      DocumentBuilder builder = factory.newDocumentBuilder();
      builder.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
        @Override
        public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
          throw e; // not printed to stderr as the default handler does
        }
      });
      Document doc = builder.parse(new ByteArrayInputStream(body));
      Element root = doc.getDocumentElement();
      if (!rootName.equals(root.getLocalName())) {
        throw S3Exception.malformedXml("Expected a " + rootName + " document, not " + root.getLocalName());
      }
      return root;
    } catch (SAXException | IOException e) {
      throw S3Exception.malformedXml("The XML body does not parse: " + e.getMessage());
    } catch (ParserConfigurationException e) {
      throw new IllegalStateException("This JDK's XML parser cannot be hardened", e);
    }
  }

  private static List<Element> children(Element parent, String localName) {
    List<Element> found = new ArrayList<>();
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && localName.equals(e.getLocalName())) {
        found.add(e);
      }
    }
    return found;
  }

  private static String text(Element parent, String localName) {
    List<Element> found = children(parent, localName);
    return found.isEmpty() ? null : found.get(0).getTextContent();
  }
}
