//! The static files: the demo page, the embeddable widget and the console,
//! embedded in the binary so `serve` serves them from any directory.
//!
//! `web-widget/render.js` (the `h()` DOM builder and the allow-list Markdown
//! renderer) is the one copy both front ends use. The console imports it as an
//! ES module at `/console/render.js`. The widget must stay one classic script
//! (embedders add one `<script>` tag; no module, no second request), so the
//! served `/widget.js` is `widget.js` with `render.js` put in place of its
//! [`RENDER_MARKER`] line, inside the widget's own function scope, with each
//! line's leading `export ` dropped. That text is built once per router, not
//! per request (a `Bytes` shared by the handler; no global).

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use super::headers::{Policy, security_headers};

const INDEX_HTML: &str = include_str!("../../web-widget/index.html");
const WIDGET_JS: &str = include_str!("../../web-widget/widget.js");
const RENDER_JS: &str = include_str!("../../web-widget/render.js");
/// The line of `widget.js` that `render.js` replaces when served.
const RENDER_MARKER: &str = "//@inline render.js";
/// The console (dependency-free HTML and JavaScript modules):
/// `(file name under /console/, content type, body)`. One line per file.
const CONSOLE_FILES: &[(&str, &str, &str)] = &[
    ("index.html", HTML, include_str!("../../web-widget/console/index.html")),
    ("console.css", CSS, include_str!("../../web-widget/console/console.css")),
    ("app.js", JS, include_str!("../../web-widget/console/app.js")),
    ("lib.js", JS, include_str!("../../web-widget/console/lib.js")),
    ("render.js", JS, RENDER_JS),
    ("agent.js", JS, include_str!("../../web-widget/console/agent.js")),
    ("knowledge.js", JS, include_str!("../../web-widget/console/knowledge.js")),
    ("editor.js", JS, include_str!("../../web-widget/console/editor.js")),
    ("analytics.js", JS, include_str!("../../web-widget/console/analytics.js")),
    ("accounts.js", JS, include_str!("../../web-widget/console/accounts.js")),
    ("qr.js", JS, include_str!("../../web-widget/console/qr.js")),
    ("history.js", JS, include_str!("../../web-widget/console/history.js")),
    ("canned.js", JS, include_str!("../../web-widget/console/canned.js")),
    ("starters.js", JS, include_str!("../../web-widget/console/starters.js")),
];
const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The routes of the static files: `/`, `/widget.js` and `/console/…`.
pub(super) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let widget = Bytes::from(widget_js());
    Router::new()
        .route("/", get(|| async { static_file(Policy::DemoPage, HTML, INDEX_HTML) }))
        .route("/widget.js", get(move || async move { static_file(Policy::Widget, JS, widget) }))
        .route("/console", get(|| async { Redirect::permanent("/console/") }))
        .route("/console/", get(|| async { console_file(Path("index.html".into())).await }))
        .route("/console/{file}", get(console_file))
}

/// The widget as served: `widget.js` with `render.js` inlined.
fn widget_js() -> String {
    inline_module(WIDGET_JS, RENDER_MARKER, RENDER_JS)
}

/// `script` with each line that reads `marker` (trimmed) replaced by `module`,
/// indented like the marker, each line's leading `export ` dropped. A module
/// written for this has only declarations, so in the script they become
/// local declarations of the enclosing scope.
fn inline_module(script: &str, marker: &str, module: &str) -> String {
    let mut out = String::with_capacity(script.len() + module.len());
    for line in script.split_inclusive('\n') {
        if line.trim() != marker {
            out.push_str(line);
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        for code in module.split_inclusive('\n') {
            if !code.trim().is_empty() {
                out.push_str(indent);
            }
            out.push_str(code.strip_prefix("export ").unwrap_or(code));
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

async fn console_file(Path(file): Path<String>) -> Response {
    match find_console_file(&file) {
        Some((content_type, body)) => static_file(Policy::Console, content_type, body),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The content type and body of the console file `name`, if there is one.
fn find_console_file(name: &str) -> Option<(&'static str, &'static str)> {
    CONSOLE_FILES.iter().find(|(file, _, _)| *file == name).map(|&(_, content_type, body)| (content_type, body))
}

fn static_file(policy: Policy, content_type: &'static str, body: impl IntoResponse) -> Response {
    let headers = security_headers(policy);
    (headers, [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines that start an ES module statement, which a classic script may not contain.
    fn module_statements(js: &str) -> Vec<&str> {
        js.lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with("export ") || l.starts_with("import ") || l.starts_with("import{"))
            .collect()
    }

    #[test]
    fn served_widget_is_one_classic_script_with_the_renderer_inside() {
        let widget = widget_js();
        assert_eq!(module_statements(&widget), Vec::<&str>::new());
        assert!(widget.lines().all(|l| l.trim() != RENDER_MARKER), "the marker line is replaced");
        for declaration in
            ["function h(tag, attrs, ...kids)", "function markdown(src)", "function markdownInline(text)"]
        {
            assert_eq!(widget.matches(declaration).count(), 1, "{declaration} once in the widget");
            assert!(RENDER_JS.contains(declaration), "{declaration} comes from render.js");
        }
        // Inside the widget's function scope: after its opening, before its end.
        let start = widget.find("(() => {").expect("the widget opens its scope");
        let end = widget.rfind("})();").expect("the widget closes its scope");
        let renderer = widget.find("function markdown(src)").expect("the renderer is inlined");
        assert!(start < renderer && renderer < end);
    }

    #[test]
    fn the_renderer_is_written_to_be_inlined() {
        assert_eq!(WIDGET_JS.lines().filter(|l| l.trim() == RENDER_MARKER).count(), 1, "one marker line in widget.js");
        assert!(module_statements(RENDER_JS).iter().all(|l| l.starts_with("export ")), "render.js imports nothing");
        assert_eq!(module_statements(WIDGET_JS), Vec::<&str>::new(), "widget.js itself is a classic script");
    }

    #[test]
    fn inlining_indents_like_the_marker_and_drops_export() {
        let script = "(() => {\n  const a = 1;\n  //@x\n  go();\n})();\n";
        let module = "export function f() {\n  return 1;\n}\n\nconst g = 2;";
        let out = inline_module(script, "//@x", module);
        assert_eq!(
            out,
            "(() => {\n  const a = 1;\n  function f() {\n    return 1;\n  }\n\n  const g = 2;\n  go();\n})();\n"
        );
    }

    #[test]
    fn the_console_serves_render_js_and_no_markdown_copy() {
        assert_eq!(find_console_file("render.js"), Some((JS, RENDER_JS)));
        assert_eq!(find_console_file("markdown.js"), None);
        let lib = find_console_file("lib.js").expect("lib.js is served").1;
        assert!(lib.contains(r#"from "./render.js""#), "lib.js re-exports h from render.js");
        assert!(!lib.contains("createElement"), "lib.js holds no copy of h");
    }
}
