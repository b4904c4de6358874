//! Self-contained HTML rendering of a [`ReportDoc`]: one page, inline CSS,
//! figures' SVG text inlined, no scripts and no external resources.
//!
//! All document text is HTML-escaped. SVG text is inserted as markup, after
//! removing an XML prolog / DOCTYPE and the `xmlns="http://www.w3.org/2000/svg"`
//! attribute (not needed for inline SVG in HTML5), so the page contains no
//! URL of its own. A figure whose file name is not in `svgs`, or whose text
//! does not start with `<svg`, is replaced by an escaped "figure not
//! available" note (the text is never inlined in that case).

use super::doc::{Block, ReportDoc, Section};
use super::tables::Table;

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;\
max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #ddd}\
p.subtitle{color:#555;margin-top:0}\
table{border-collapse:collapse;margin:1em 0;font-size:.92em}\
caption{text-align:left;font-weight:bold;padding-bottom:.3em}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}tbody tr:nth-child(even){background:#fafafa}\
p.note{font-size:.85em;color:#555;margin:.1em 0}\
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto}\
figcaption{font-size:.9em;color:#444}p.missing{color:#a00}";

/// Render the document as one HTML page. `svgs` maps a figure's `svg_file`
/// to its SVG text (first match wins).
pub fn render_html(doc: &ReportDoc, svgs: &[(String, String)]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape_html(&doc.title)));
    out.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n"));
    if !doc.title.trim().is_empty() {
        out.push_str(&format!("<h1>{}</h1>\n", escape_html(&doc.title)));
    }
    if !doc.subtitle.trim().is_empty() {
        out.push_str(&format!(
            "<p class=\"subtitle\">{}</p>\n",
            escape_html(&doc.subtitle)
        ));
    }
    for section in &doc.sections {
        render_section(section, svgs, &mut out);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn render_section(section: &Section, svgs: &[(String, String)], out: &mut String) {
    out.push_str("<section>\n");
    if !section.heading.trim().is_empty() {
        out.push_str(&format!("<h2>{}</h2>\n", escape_html(&section.heading)));
    }
    for block in &section.blocks {
        match block {
            Block::Paragraph(text) => {
                if !text.trim().is_empty() {
                    let body = escape_html(text.trim_end()).replace('\n', "<br>\n");
                    out.push_str(&format!("<p>{body}</p>\n"));
                }
            }
            Block::Table(table) => out.push_str(&render_table(table)),
            Block::Figure { svg_file, caption } => {
                out.push_str("<figure>\n");
                let svg = svgs
                    .iter()
                    .find(|(name, _)| name == svg_file)
                    .and_then(|(_, text)| inline_svg(text));
                match svg {
                    Some(s) => {
                        out.push_str(&s);
                        if !s.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                    None => out.push_str(&format!(
                        "<p class=\"missing\">Figure not available: {}</p>\n",
                        escape_html(svg_file)
                    )),
                }
                if !caption.trim().is_empty() {
                    out.push_str(&format!(
                        "<figcaption>{}</figcaption>\n",
                        escape_html(caption)
                    ));
                }
                out.push_str("</figure>\n");
            }
        }
    }
    out.push_str("</section>\n");
}

/// A [`Table`] as an HTML `<table>` (title as `<caption>`), notes as
/// `<p class="note">` after it.
pub fn render_table(table: &Table) -> String {
    let mut s = String::from("<table>\n");
    if !table.title.trim().is_empty() {
        s.push_str(&format!(
            "<caption>{}</caption>\n",
            escape_html(&table.title)
        ));
    }
    let n = table.n_cols();
    if n > 0 {
        s.push_str("<thead><tr>");
        for h in table.padded_header() {
            s.push_str(&format!("<th>{}</th>", escape_html(&h)));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for row in table.padded_rows() {
            s.push_str("<tr>");
            for c in row {
                s.push_str(&format!("<td>{}</td>", escape_html(&c)));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n");
    }
    s.push_str("</table>\n");
    for note in &table.notes {
        s.push_str(&format!("<p class=\"note\">{}</p>\n", escape_html(note)));
    }
    s
}

/// Escape `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// SVG text prepared for inlining, or `None` if it does not look like an
/// SVG document.
fn inline_svg(text: &str) -> Option<String> {
    let mut t = text.trim_start();
    // Drop an XML prolog, comments and a DOCTYPE before the root element.
    loop {
        if t.starts_with("<?") {
            t = t[t.find("?>")? + 2..].trim_start();
        } else if t.starts_with("<!--") {
            t = t[t.find("-->")? + 3..].trim_start();
        } else if t.starts_with("<!DOCTYPE") || t.starts_with("<!doctype") {
            t = t[t.find('>')? + 1..].trim_start();
        } else {
            break;
        }
    }
    if !t.starts_with("<svg") {
        return None;
    }
    let t = t.trim_end();
    let cleaned = t
        .replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
        .replacen(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "", 1);
    Some(cleaned)
}
