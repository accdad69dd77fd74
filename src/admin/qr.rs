//! `GET /api/admin/qr.svg?text=…` and `/api/admin/qr.png?text=…` (editor+):
//! the QR code of an entry's deep link, ready to print on a notice or a
//! counter sign (二维码一次性告知). The console builds the link; this only
//! draws it.

use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qrcode::{Color, EcLevel, QrCode};
use serde::Deserialize;

use crate::api_error::{ApiError, Code};

/// Longest text encoded, in bytes (a deep link is far shorter).
const MAX_TEXT_BYTES: usize = 512;
/// Light modules around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module of the PNG (print quality at a few centimetres).
const PNG_SCALE: usize = 10;

#[derive(Deserialize)]
pub(super) struct QrQuery {
    text: String,
}

/// The code of `text` at error correction level M (readable with a scuff).
fn encode(text: &str) -> Result<QrCode, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_TEXT_BYTES {
        return Err(ApiError::new(Code::InvalidMessage, format!("二维码内容须为 1-{MAX_TEXT_BYTES} 字节的链接")));
    }
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::new(Code::InvalidMessage, format!("无法生成二维码：{e}")))
}

/// The code as SVG (scales to any print size).
pub fn svg(text: &str) -> Result<String, ApiError> {
    let code = encode(text)?;
    Ok(code.render::<qrcode::render::svg::Color>().quiet_zone(true).min_dimensions(240, 240).build())
}

/// The code as a grayscale PNG, [`PNG_SCALE`] pixels per module.
pub fn png(text: &str) -> Result<Vec<u8>, ApiError> {
    let code = encode(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (x, y) = ((i % modules + QUIET_ZONE) * PNG_SCALE, (i / modules + QUIET_ZONE) * PNG_SCALE);
        for row in y..y + PNG_SCALE {
            pixels[row * side + x..row * side + x + PNG_SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let failed = |e: png::EncodingError| ApiError::new(Code::Internal, format!("无法生成二维码图片：{e}"));
    let side = u32::try_from(side).map_err(|_| ApiError::new(Code::InvalidMessage, "二维码过大"))?;
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

pub(super) async fn qr_svg(Query(q): Query<QrQuery>) -> Result<Response, ApiError> {
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg(&q.text)?).into_response())
}

pub(super) async fn qr_png(Query(q): Query<QrQuery>) -> Result<Response, ApiError> {
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png(&q.text)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_a_png_and_an_svg_of_the_same_code() {
        let link = "https://etax.example.gov.cn/?q=VAT-007&via=qr";
        let png = png(link).expect("png");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let reader = decoder.read_info().expect("png header");
        let side = (encode(link).expect("code").width() + 2 * QUIET_ZONE) * PNG_SCALE;
        assert_eq!((reader.info().width as usize, reader.info().height as usize), (side, side));
        assert!(svg(link).expect("svg").starts_with("<?xml"));
    }

    #[test]
    fn empty_and_oversized_texts_are_refused() {
        assert!(svg(" ").is_err());
        assert!(png(&"a".repeat(MAX_TEXT_BYTES + 1)).is_err());
    }
}
