//! The XMP metadata packet of a PDF/A (and PDF/UA) file: title, author, dates, tool and the
//! conformance identifiers, written to agree with the Info dictionary as PDF/A requires.

use super::writer::DocInfo;

/// What the packet claims beyond the document's own metadata.
#[derive(Debug, Clone, Copy, Default)]
pub struct Claims {
    /// `pdfaid:part 2`, `pdfaid:conformance B`.
    pub pdf_a: bool,
    /// `pdfuaid:part 1`, with the extension schema PDF/A asks for that namespace.
    pub pdf_ua: bool,
}

/// The packet, UTF-8, without the `bytes` or `encoding` attributes (PDF/A forbids both).
pub fn packet(info: &DocInfo, claims: Claims) -> Vec<u8> {
    let mut x = String::with_capacity(2048);
    x.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    x.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    x.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");

    x.push_str("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n");
    x.push_str("<dc:format>application/pdf</dc:format>\n");
    if let Some(title) = &info.title {
        x.push_str("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
        escape_into(&mut x, title);
        x.push_str("</rdf:li></rdf:Alt></dc:title>\n");
    }
    if let Some(author) = &info.author {
        // Info /Author is one text; PDF/A maps it to a dc:creator sequence of one entry.
        x.push_str("<dc:creator><rdf:Seq><rdf:li>");
        escape_into(&mut x, author);
        x.push_str("</rdf:li></rdf:Seq></dc:creator>\n");
    }
    x.push_str("</rdf:Description>\n");

    x.push_str("<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n");
    if let Some(date) = info.created.and_then(xmp_date) {
        // The same instant as the Info dictionary's CreationDate and ModDate.
        for key in ["CreateDate", "ModifyDate", "MetadataDate"] {
            x.push_str(&format!("<xmp:{key}>{date}</xmp:{key}>\n"));
        }
    }
    if let Some(creator) = &info.creator {
        x.push_str("<xmp:CreatorTool>");
        escape_into(&mut x, creator);
        x.push_str("</xmp:CreatorTool>\n");
    }
    x.push_str("</rdf:Description>\n");

    if let Some(producer) = &info.producer {
        x.push_str("<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n");
        x.push_str("<pdf:Producer>");
        escape_into(&mut x, producer);
        x.push_str("</pdf:Producer>\n</rdf:Description>\n");
    }

    if claims.pdf_a {
        x.push_str(
            "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
             <pdfaid:part>2</pdfaid:part>\n\
             <pdfaid:conformance>B</pdfaid:conformance>\n\
             </rdf:Description>\n",
        );
    }
    if claims.pdf_ua {
        x.push_str(
            "<rdf:Description rdf:about=\"\" xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\">\n\
             <pdfuaid:part>1</pdfuaid:part>\n\
             </rdf:Description>\n",
        );
        // pdfuaid is not among PDF/A's predefined schemas, so PDF/A needs its description.
        x.push_str(PDFUA_EXTENSION_SCHEMA);
    }
    // No padding for editing in place: the files are written once, and the packet goes into
    // every PDF/A file.
    x.push_str("</rdf:RDF>\n</x:xmpmeta>\n");
    x.push_str("<?xpacket end=\"w\"?>");
    x.into_bytes()
}

/// The PDF/A extension schema description of the `pdfuaid` namespace (ISO 19005-2, 6.6.2.3).
const PDFUA_EXTENSION_SCHEMA: &str = "<rdf:Description rdf:about=\"\" \
xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" \
xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" \
xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType=\"Resource\">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
";

/// Text as XML character data. Characters XML 1.0 cannot hold at all (C0 controls other
/// than tab and newlines) are dropped: a data value with one still gives a valid packet.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// Unix seconds as an XMP date (ISO 8601, UTC), the instant of [`super::writer`]'s PDF date.
fn xmp_date(secs: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(secs, 0)?;
    use chrono::Datelike;
    (0..=9999)
        .contains(&t.year())
        .then(|| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(title: &str) -> DocInfo {
        DocInfo {
            title: Some(title.to_string()),
            author: Some("Ann & Bob".to_string()),
            creator: Some("lettermerge".to_string()),
            producer: Some("lettermerge 1".to_string()),
            created: Some(0),
            ..DocInfo::default()
        }
    }

    #[test]
    fn data_is_escaped() {
        let text = String::from_utf8(packet(
            &info("Letter to O'Brien & <Sons> \u{1}"),
            Claims::default(),
        ))
        .unwrap();
        assert!(
            text.contains("Letter to O&apos;Brien &amp; &lt;Sons&gt; </rdf:li>"),
            "{text}"
        );
        assert!(text.contains("<rdf:li>Ann &amp; Bob</rdf:li>"));
    }

    #[test]
    fn dates_and_claims() {
        let both = Claims {
            pdf_a: true,
            pdf_ua: true,
        };
        let text = String::from_utf8(packet(&info("t"), both)).unwrap();
        assert!(text.contains("<xmp:CreateDate>1970-01-01T00:00:00Z</xmp:CreateDate>"));
        assert!(text.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(text.contains("<pdfuaid:part>1</pdfuaid:part>"));
        assert!(text.contains("<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"));
        assert!(text.starts_with("<?xpacket begin=\"\u{feff}\""));
        assert!(text.ends_with("<?xpacket end=\"w\"?>"));
        let plain = String::from_utf8(packet(&info("t"), Claims::default())).unwrap();
        assert!(!plain.contains("pdfaid") && !plain.contains("pdfuaid"));
    }
}
