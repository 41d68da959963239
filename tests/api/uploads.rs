//! Uploads and request bodies: image decoding is capped (a small file cannot claim a huge
//! canvas), ordinary forms have a small body limit, and only the upload route a larger one.

use reqwest::StatusCode;

use crate::helpers::{add_customer_form, file_part, spawn_app, TestApp};

/// A PNG that declares `width` × `height` pixels but carries almost no data: a decompression
/// bomb's header. Decoders that trust the header allocate width × height × channels bytes.
fn png_header_only(width: u32, height: u32, color_type: u8, bit_depth: u8) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of one stored, empty block: valid, and far too short for the canvas.
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0, 0, 0, 1],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real PNG of noise (incompressible) of about `bytes` bytes.
fn noisy_png(bytes: usize) -> Vec<u8> {
    let side = ((bytes / 3) as f64).sqrt() as u32;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = state.to_le_bytes();
        image::Rgb([b[0], b[1], b[2]])
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn add_with_image(app: &TestApp, email: &str, image: Vec<u8>) -> reqwest::Response {
    let (partner, _) = app.signed_in_partner(&format!("p-{email}")).await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let form = add_customer_form(&csrf, email)
        .part("profile_image", file_part(image, "photo.png", "image/png"));
    app.post_multipart(&partner, "/partner/customers/new", form)
        .await
}

#[tokio::test]
async fn a_decompression_bomb_png_is_refused_with_a_field_message() {
    let app = spawn_app().await;
    // 20000 × 20000 declared; and 4000 × 4000 at 16-bit RGBA (128 MB), inside the side limit
    // but far over the allocation limit.
    for (i, bomb) in [
        png_header_only(20_000, 20_000, 2, 8),
        png_header_only(4_000, 4_000, 6, 16),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(bomb.len() < 100, "the bomb is a tiny file");
        let response = add_with_image(&app, &format!("bomb{i}@upload.test"), bomb).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(
            html.contains("The image is too large to process"),
            "the profile image field says why"
        );
    }
    assert_eq!(
        app.count("select count(*) from accounts where role = 'customer'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_too_large_body_on_an_ordinary_form_gets_413() {
    let app = spawn_app().await;
    let browser = crate::helpers::client();
    let csrf = app.csrf_for(&browser, "/login").await;
    let padding = "x".repeat(256 * 1024);
    for path in ["/login", "/forgot-password"] {
        let response = app
            .post_form(
                &browser,
                path,
                &[
                    ("csrf_token", &csrf),
                    ("email", "a@b.test"),
                    ("password", &padding),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    let (partner, _) = app.signed_in_partner("p@body.test").await;
    let csrf = app.csrf_for(&partner, "/partner/purchase").await;
    let response = app
        .post_form(
            &partner,
            "/partner/purchase/review",
            &[("csrf_token", &csrf), ("plan", &padding)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_upload_route_still_accepts_a_one_and_a_half_mib_image() {
    let app = spawn_app().await;
    let image = noisy_png(1_600_000);
    assert!(
        image.len() > 1536 * 1024 && image.len() < 2 * 1024 * 1024,
        "{}",
        image.len()
    );
    let response = add_with_image(&app, "big@upload.test", image).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count("select count(*) from profile_images").await, 1);
}
