//! Security headers on every static route: the demo page, the widget and
//! each console file; the console runs no inline script and cannot be framed.

use reqwest::header::HeaderMap;

use crate::helpers::spawn_app;

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The directive `name` of a CSP, e.g. `script-src 'self'`.
fn directive<'a>(csp: &'a str, name: &str) -> &'a str {
    csp.split(';').map(str::trim).find(|d| d.split_whitespace().next() == Some(name)).unwrap_or_default()
}

fn console_files() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web-widget/console");
    let mut files: Vec<String> =
        std::fs::read_dir(dir).expect("console dir").filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    files.push(String::new());
    files
}

#[tokio::test]
async fn every_static_route_sends_the_security_headers() {
    let app = spawn_app().await;
    let mut routes = vec!["/".to_owned(), "/widget.js".to_owned()];
    routes.extend(console_files().iter().map(|f| format!("/console/{f}")));
    for route in &routes {
        let res = app.http.get(app.url(route)).send().await.expect("static file");
        assert!(res.status().is_success(), "{route}: {}", res.status());
        let h = res.headers().clone();
        assert_eq!(header(&h, "x-content-type-options"), "nosniff", "{route}");
        assert!(!header(&h, "referrer-policy").is_empty(), "{route}");
        if route == "/widget.js" {
            assert_eq!(header(&h, "cross-origin-resource-policy"), "cross-origin");
            continue;
        }
        let csp = header(&h, "content-security-policy");
        let scripts = directive(csp, "script-src");
        assert!(scripts.contains("'self'") && !scripts.contains("unsafe"), "{route}: {csp}");
        assert_eq!(directive(csp, "object-src"), "object-src 'none'", "{route}");
        if route.starts_with("/console/") {
            assert_eq!(directive(csp, "frame-ancestors"), "frame-ancestors 'none'", "{route}");
            assert_eq!(header(&h, "x-frame-options"), "DENY", "{route}");
            assert_eq!(header(&h, "referrer-policy"), "no-referrer", "{route}");
        }
    }
}

#[tokio::test]
async fn the_console_page_has_no_inline_script() {
    let app = spawn_app().await;
    let html = app.http.get(app.url("/console/")).send().await.expect("console").text().await.expect("html");
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap_or_default();
        assert!(open.contains("src="), "an inline script in the console: <script{open}>");
        let body = tag.split_once('>').map(|(_, rest)| rest).unwrap_or_default();
        assert!(body.trim_start().starts_with("</script"), "a script tag with a body: {open}");
    }
    assert!(!html.contains(" onclick=") && !html.contains(" onload="), "no inline handlers");
}
