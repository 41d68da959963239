//! Profile images: type checked by content, decoded, cropped to a square, re-encoded as PNG.
//! The uploaded bytes are never stored or served.

use image::{imageops::FilterType, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest width and height a decoder may declare.
pub const MAX_SIDE: u32 = 4096;
/// Largest buffer a decoder may allocate: a small file can claim an enormous canvas
/// (a decompression bomb), so the canvas is refused before it is allocated.
pub const MAX_DECODE_BYTES: u64 = 32 * 1024 * 1024;
/// Side of the stored square image, in pixels.
pub const SIZE: u32 = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("The image is larger than 2 MiB. Choose a smaller file.")]
    TooLarge,
    #[error("This file is not a PNG, JPEG or WebP image.")]
    NotAnImage,
    #[error("This image could not be read; it may be damaged. Try another file.")]
    Undecodable,
    #[error(
        "The image is too large to process: at most 4096 × 4096 pixels (about 8 megapixels). \
         Choose a smaller image."
    )]
    TooManyPixels,
}

/// Decodes at a time: one per core, so a burst of uploads queues instead of taking every
/// blocking thread and all the memory at once.
static DECODES: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// [`process_profile_image`] on the blocking pool, behind the decode semaphore.
pub async fn process_upload(bytes: Vec<u8>) -> anyhow::Result<Result<Vec<u8>, ImageError>> {
    let _permit = DECODES.acquire().await?;
    Ok(tokio::task::spawn_blocking(move || process_profile_image(&bytes)).await?)
}

/// Validates and re-encodes an upload. CPU-bound: call it on the blocking pool.
pub fn process_profile_image(bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(ImageError::TooLarge);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageError::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP
    ) {
        return Err(ImageError::NotAnImage);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // Refuse decompression bombs: a small file can claim an enormous canvas.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|err| match err {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        _ => ImageError::Undecodable,
    })?;
    let side = decoded.width().min(decoded.height());
    if side == 0 {
        return Err(ImageError::Undecodable);
    }
    let x = (decoded.width() - side) / 2;
    let y = (decoded.height() - side) / 2;
    let square = decoded
        .crop_imm(x, y, side, side)
        .resize_exact(SIZE, SIZE, FilterType::Triangle)
        .to_rgba8();
    let mut out = Vec::new();
    square
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|_| ImageError::Undecodable)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(width, height, image::Rgb([10, 96, 223]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn images_are_reencoded_to_a_square_png() {
        let out = process_profile_image(&png(640, 480)).unwrap();
        let decoded = image::load_from_memory(&out).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (SIZE, SIZE));
        assert_eq!(image::guess_format(&out).unwrap(), ImageFormat::Png);
    }

    #[test]
    fn non_images_and_oversized_files_are_refused() {
        assert_eq!(
            process_profile_image(b"%PDF-1.7 not an image"),
            Err(ImageError::NotAnImage)
        );
        assert_eq!(
            process_profile_image(&vec![0u8; MAX_UPLOAD_BYTES + 1]),
            Err(ImageError::TooLarge)
        );
        let mut truncated = png(64, 64);
        truncated.truncate(60);
        assert_eq!(
            process_profile_image(&truncated),
            Err(ImageError::Undecodable)
        );
    }
}
