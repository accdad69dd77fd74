//! WeChat message encryption ("安全模式"): signatures over the sorted token,
//! timestamp, nonce (and ciphertext), and AES-256-CBC with the key from the
//! EncodingAESKey, PKCS#7 padding to 32-byte blocks and the layout
//! `random(16) | length(4, big endian) | message | appid`.
//!
//! Every input here comes from the network: each failure is an error, never
//! a panic.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD as B64};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use sha1::{Digest, Sha1};

/// WeChat pads to 32 bytes, not to the AES block size of 16.
const PAD_BLOCK: usize = 32;

/// EncodingAESKeys are 43 characters whose last one carries 2 spare bits
/// that WeChat does not zero (the official sample key ends in `G`), so the
/// key is decoded leniently.
const KEY_B64: GeneralPurpose =
    GeneralPurpose::new(&base64::alphabet::STANDARD, GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true));

/// The random prefix of every plaintext.
const RANDOM_LEN: usize = 16;

/// Why a ciphertext or key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The EncodingAESKey is not 43 base64 characters for 32 bytes.
    #[error("EncodingAESKey 必须是 43 位字母数字（解码为 32 字节）")]
    InvalidKey,
    /// The ciphertext is not base64.
    #[error("密文不是有效的 base64")]
    Base64,
    /// The ciphertext is empty or not a whole number of AES blocks.
    #[error("密文长度不是 16 字节的整数倍")]
    BlockLength,
    /// The PKCS#7 padding is wrong (usually a wrong key).
    #[error("解密后的填充无效（EncodingAESKey 可能不一致）")]
    Padding,
    /// The plaintext is shorter than its layout or its length field.
    #[error("解密后的明文结构无效")]
    Layout,
    /// The message is not UTF-8.
    #[error("解密后的消息不是 UTF-8")]
    Utf8,
    /// The message was encrypted for another appid.
    #[error("消息的 appid 与配置不符")]
    AppId,
}

/// The SHA-1 signature WeChat uses: the parts sorted bytewise, concatenated,
/// hashed, in lowercase hex. Three parts (token, timestamp, nonce) sign the
/// URL; four (with the ciphertext) sign an encrypted message.
pub fn signature(parts: &[&str]) -> String {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    let digest = Sha1::digest(sorted.concat().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares a presented signature with the expected one without stopping at
/// the first difference (case-insensitive, as some clients send upper case).
pub fn signature_matches(expected: &str, presented: &str) -> bool {
    let (a, b) = (expected.as_bytes(), presented.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y.to_ascii_lowercase())) == 0
}

/// The cipher of one account: key, IV and the appid messages must carry.
#[derive(Clone)]
pub struct Cryptor {
    key: [u8; 32],
    appid: String,
}

/// The key is a secret: never print it.
impl std::fmt::Debug for Cryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cryptor").field("appid", &self.appid).finish_non_exhaustive()
    }
}

impl Cryptor {
    /// Builds the cipher from the 43-character EncodingAESKey.
    pub fn new(encoding_aes_key: &str, appid: &str) -> Result<Self, CryptoError> {
        if encoding_aes_key.len() != 43 {
            return Err(CryptoError::InvalidKey);
        }
        let bytes = KEY_B64.decode(format!("{encoding_aes_key}=")).map_err(|_| CryptoError::InvalidKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::InvalidKey)?;
        Ok(Cryptor { key, appid: appid.to_owned() })
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[..16]);
        iv
    }

    /// Decrypts a base64 `Encrypt` value and checks its appid.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CryptoError> {
        let mut buf = B64.decode(encrypted.trim()).map_err(|_| CryptoError::Base64)?;
        if buf.is_empty() || buf.len() % 16 != 0 {
            return Err(CryptoError::BlockLength);
        }
        let plain = cbc::Decryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CryptoError::BlockLength)?;
        let plain = unpad(plain)?;
        let (message, appid) = split_layout(plain)?;
        if appid != self.appid.as_bytes() {
            return Err(CryptoError::AppId);
        }
        String::from_utf8(message.to_vec()).map_err(|_| CryptoError::Utf8)
    }

    /// Encrypts a reply with the given 16 random bytes (fresh ones in
    /// production, fixed ones to check the official vectors).
    pub fn encrypt_with(&self, message: &str, random: [u8; RANDOM_LEN]) -> String {
        let msg = message.as_bytes();
        let mut buf = Vec::with_capacity(RANDOM_LEN + 4 + msg.len() + self.appid.len() + 32);
        buf.extend_from_slice(&random);
        // A reply longer than 4 GiB cannot reach here (replies are ≤ 2 KB).
        buf.extend_from_slice(&u32::try_from(msg.len()).unwrap_or(u32::MAX).to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(self.appid.as_bytes());
        let pad = PAD_BLOCK - buf.len() % PAD_BLOCK;
        buf.extend(std::iter::repeat_n(pad as u8, pad));
        let len = buf.len();
        let out = cbc::Encryptor::<Aes256>::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        B64.encode(out)
    }

    /// Encrypts a reply with fresh random bytes.
    pub fn encrypt(&self, message: &str) -> String {
        self.encrypt_with(message, *uuid::Uuid::new_v4().as_bytes())
    }
}

/// Strips PKCS#7 padding of 1-32 bytes, all equal to the pad length.
fn unpad(plain: &[u8]) -> Result<&[u8], CryptoError> {
    let pad = usize::from(*plain.last().ok_or(CryptoError::Padding)?);
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CryptoError::Padding);
    }
    let (body, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&b| usize::from(b) != pad) {
        return Err(CryptoError::Padding);
    }
    Ok(body)
}

/// Splits `random | length | message | appid` into message and appid.
fn split_layout(plain: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    let rest = plain.get(RANDOM_LEN..).ok_or(CryptoError::Layout)?;
    let (len, rest) = rest.split_first_chunk::<4>().ok_or(CryptoError::Layout)?;
    let len = u32::from_be_bytes(*len) as usize;
    if len > rest.len() {
        return Err(CryptoError::Layout);
    }
    Ok(rest.split_at(len))
}

#[cfg(test)]
#[path = "crypto_tests.rs"]
mod tests;
