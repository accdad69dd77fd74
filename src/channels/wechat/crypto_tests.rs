//! The official sample vectors of the WeChat message-encryption documentation.
//!
//! Sources (copied byte for byte, not invented):
//! - `OFFICIAL_*`: Tencent's 公众平台 message-encryption sample code
//!   (WXBizMsgCrypt): the Python `Sample.py` (token `spamtest`, appid
//!   `wx2c2769f8efd9abc2`, decrypt), the C++ `Sample.cpp` (decrypt) and the Java
//!   `WXBizMsgCryptTest` (`testAesEncrypt`/`testAesEncrypt2`, token `pamtest`,
//!   random `aaaabbbbccccdddd`; `testVerifyUrl`, token `QDG6eK`), as reproduced
//!   in the tests of public WeChat SDKs.
//! - `WECHATPY_*`: wechatpy's `tests/test_crypto.py` (github.com/wechatpy/wechatpy),
//!   the SDK the independent peer in `tests/peers/wechat/` uses.

use super::*;
use proptest::prelude::*;

const SAMPLE_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

// Python Sample.py
const OFFICIAL_PY_TOKEN: &str = "spamtest";
const OFFICIAL_PY_APPID: &str = "wx2c2769f8efd9abc2";
const OFFICIAL_PY_TIMESTAMP: &str = "1409735669";
const OFFICIAL_PY_NONCE: &str = "1320562132";
const OFFICIAL_PY_MSG_SIGNATURE: &str = "5d197aaffba7e9b25a30732f161a50dee96bd5fa";
const OFFICIAL_PY_ENCRYPT: &str = "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=";
const OFFICIAL_PY_PLAIN: &str = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>";

// C++ Sample.cpp (same key and appid)
const OFFICIAL_CPP_TIMESTAMP: &str = "1410349438";
const OFFICIAL_CPP_NONCE: &str = "298025754";
const OFFICIAL_CPP_MSG_SIGNATURE: &str = "003fee52ecc56afb46c00b5c7721be87860ce785";
const OFFICIAL_CPP_ENCRYPT: &str = "mfBCs65c67CeJw22u4VT2TD73q5H06+ocrAIxswCaeZ/d/Lw0msSZFHY0teqgSYiI1zR2gD2DKrB3TIrmX/liNSDrGqS8jSI/WPeKB5VPr7Ezr7gomZAyGCwJSgT1TRFWPfONGJMxuj2nk4faTuspAuVIFQ6SHwZuJBZC7mcJp7Cgr9cUhATQWDbOPaE7ukZBTV2YqyzH+UI2AK+J1S47cE79k1RX8t0hcTz/O0hlK8DGXKnvYv88qKQcI7z4iaajqHfRVZKBNyOODabs+It+ZfM3dWTeFcPgDbGtIEnpt/EDtuuA/zMvtkaKdHdswPnVZQ+xdwbYr3ldGvfT8HlEYEgkgKaThxTFobVlwzu2ZkXCjicbP3xdr15Iq48ObgzPpqYuZ3IEoyggZDKClquk0u0orMck4GTF/XyE8yGzc4=";

// Java WXBizMsgCryptTest.testAesEncrypt / testAesEncrypt2
const OFFICIAL_JAVA_APPID: &str = "wxb11529c136998cb6";
const OFFICIAL_JAVA_RANDOM: &[u8; 16] = b"aaaabbbbccccdddd";
const OFFICIAL_JAVA_REPLY: &str = "我是中文abcd123";
const OFFICIAL_JAVA_CIPHER: &str =
    "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
const OFFICIAL_JAVA_REPLY2: &str = "<xml><ToUserName><![CDATA[oia2Tj我是中文jewbmiOUlr6X-1crbLOvLw]]></ToUserName><FromUserName><![CDATA[gh_7f083739789a]]></FromUserName><CreateTime>1407743423</CreateTime><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[eYJ1MbwPRJtOvIEabaxHs7TX2D-HV71s79GUxqdUkjm6Gs2Ed1KF3ulAOA9H1xG0]]></MediaId><Title><![CDATA[testCallBackReplyVideo]]></Title><Description><![CDATA[testCallBackReplyVideo]]></Description></Video></xml>";
const OFFICIAL_JAVA_CIPHER2: &str = "jn1L23DB+6ELqJ+6bruv23M2GmYfkv0xBh2h+XTBOKVKcgDFHle6gqcZ1cZrk3e1qjPQ1F4RsLWzQRG9udbKWesxlkupqcEcW7ZQweImX9+wLMa0GaUzpkycA8+IamDBxn5loLgZpnS7fVAbExOkK5DYHBmv5tptA9tklE/fTIILHR8HLXa5nQvFb3tYPKAlHF3rtTeayNf0QuM+UW/wM9enGIDIJHF7CLHiDNAYxr+r+OrJCmPQyTy8cVWlu9iSvOHPT/77bZqJucQHQ04sq7KZI27OcqpQNSto2OdHCoTccjggX5Z9Mma0nMJBU+jLKJ38YB1fBIz+vBzsYjrTmFQ44YfeEuZ+xRTQwr92vhA9OxchWVINGC50qE/6lmkwWTwGX9wtQpsJKhP+oS7rvTY8+VdzETdfakjkwQ5/Xka042OlUb1/slTwo4RscuQ+RdxSGvDahxAJ6+EAjLt9d8igHngxIbf6YyqqROxuxqIeIch3CssH/LqRs+iAcILvApYZckqmA7FNERspKA5f8GoJ9sv8xmGvZ9Yrf57cExWtnX8aCMMaBropU/1k+hKP5LVdzbWCG0hGwx/dQudYR/eXp3P0XxjlFiy+9DMlaFExWUZQDajPkdPrEeOwofJb";

// Java WXBizMsgCryptTest.testVerifyUrl
const OFFICIAL_URL_TOKEN: &str = "QDG6eK";
const OFFICIAL_URL_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const OFFICIAL_URL_APPID: &str = "wx5823bf96d3bd56c7";
const OFFICIAL_URL_SIGNATURE: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
const OFFICIAL_URL_TIMESTAMP: &str = "1409659589";
const OFFICIAL_URL_NONCE: &str = "263014780";
const OFFICIAL_URL_ECHO: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
const OFFICIAL_URL_ECHO_PLAIN: &str = "1616140317555161061";

// wechatpy tests/test_crypto.py
const WECHATPY_TOKEN: &str = "123456";
const WECHATPY_KEY: &str = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR";
const WECHATPY_APPID: &str = "wx49f0ab532d5d035a";
const WECHATPY_RANDOM: &[u8; 16] = b"1234567890123456";
const WECHATPY_TIMESTAMP: &str = "1411525903";
const WECHATPY_NONCE: &str = "461056294";
const WECHATPY_REPLY: &str = "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>";
const WECHATPY_REPLY_CIPHER: &str = "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3";
const WECHATPY_REPLY_SIGNATURE: &str = "407518b7649e86ef23978113f92d27afa9296533";
const WECHATPY_MSG_ENCRYPT: &str = "RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=";
const WECHATPY_MSG_SIGNATURE: &str = "74d92dfeb87ba7c714f89d98870ae5eb62dff26d";

fn cryptor(key: &str, appid: &str) -> Cryptor {
    Cryptor::new(key, appid).expect("valid sample key")
}

#[test]
fn decrypts_the_official_python_sample() {
    let sig = signature(&[OFFICIAL_PY_TOKEN, OFFICIAL_PY_TIMESTAMP, OFFICIAL_PY_NONCE, OFFICIAL_PY_ENCRYPT]);
    assert_eq!(sig, OFFICIAL_PY_MSG_SIGNATURE);
    let plain = cryptor(SAMPLE_KEY, OFFICIAL_PY_APPID).decrypt(OFFICIAL_PY_ENCRYPT).expect("decrypts");
    assert_eq!(plain, OFFICIAL_PY_PLAIN);
}

#[test]
fn decrypts_the_official_cpp_sample() {
    let sig = signature(&[OFFICIAL_PY_TOKEN, OFFICIAL_CPP_TIMESTAMP, OFFICIAL_CPP_NONCE, OFFICIAL_CPP_ENCRYPT]);
    assert_eq!(sig, OFFICIAL_CPP_MSG_SIGNATURE);
    let plain = cryptor(SAMPLE_KEY, OFFICIAL_PY_APPID).decrypt(OFFICIAL_CPP_ENCRYPT).expect("decrypts");
    assert!(plain.contains("<ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"));
}

#[test]
fn encrypts_like_the_official_java_sample() {
    let c = cryptor(SAMPLE_KEY, OFFICIAL_JAVA_APPID);
    assert_eq!(c.encrypt_with(OFFICIAL_JAVA_REPLY, *OFFICIAL_JAVA_RANDOM), OFFICIAL_JAVA_CIPHER);
    assert_eq!(c.encrypt_with(OFFICIAL_JAVA_REPLY2, *OFFICIAL_JAVA_RANDOM), OFFICIAL_JAVA_CIPHER2);
    assert_eq!(c.decrypt(OFFICIAL_JAVA_CIPHER2).expect("decrypts"), OFFICIAL_JAVA_REPLY2);
}

#[test]
fn verifies_the_official_url_sample() {
    let sig = signature(&[OFFICIAL_URL_TOKEN, OFFICIAL_URL_TIMESTAMP, OFFICIAL_URL_NONCE, OFFICIAL_URL_ECHO]);
    assert!(signature_matches(&sig, OFFICIAL_URL_SIGNATURE));
    let echo = cryptor(OFFICIAL_URL_KEY, OFFICIAL_URL_APPID).decrypt(OFFICIAL_URL_ECHO).expect("decrypts");
    assert_eq!(echo, OFFICIAL_URL_ECHO_PLAIN);
}

#[test]
fn matches_wechatpy_vectors() {
    let c = cryptor(WECHATPY_KEY, WECHATPY_APPID);
    let cipher = c.encrypt_with(WECHATPY_REPLY, *WECHATPY_RANDOM);
    assert_eq!(cipher, WECHATPY_REPLY_CIPHER);
    let sig = signature(&[WECHATPY_TOKEN, WECHATPY_TIMESTAMP, WECHATPY_NONCE, &cipher]);
    assert_eq!(sig, WECHATPY_REPLY_SIGNATURE);
    let sig = signature(&[WECHATPY_TOKEN, WECHATPY_TIMESTAMP, WECHATPY_NONCE, WECHATPY_MSG_ENCRYPT]);
    assert_eq!(sig, WECHATPY_MSG_SIGNATURE);
    let plain = c.decrypt(WECHATPY_MSG_ENCRYPT).expect("decrypts");
    assert!(plain.contains("<Content><![CDATA[test]]></Content>"), "{plain}");
    assert!(plain.contains("messense"), "{plain}");
}

#[test]
fn rejects_another_appid_and_a_wrong_key() {
    let other = cryptor(SAMPLE_KEY, "wx_other_appid");
    assert_eq!(other.decrypt(OFFICIAL_PY_ENCRYPT), Err(CryptoError::AppId));
    let wrong_key = cryptor(WECHATPY_KEY, OFFICIAL_PY_APPID);
    assert!(wrong_key.decrypt(OFFICIAL_PY_ENCRYPT).is_err());
}

#[test]
fn rejects_bad_keys_and_malformed_ciphertexts() {
    assert_eq!(Cryptor::new("abc", "wx").err(), Some(CryptoError::InvalidKey));
    assert_eq!(Cryptor::new(&"!".repeat(43), "wx").err(), Some(CryptoError::InvalidKey));
    let c = cryptor(SAMPLE_KEY, OFFICIAL_PY_APPID);
    assert_eq!(c.decrypt("!!!not base64!!!"), Err(CryptoError::Base64));
    assert_eq!(c.decrypt(""), Err(CryptoError::BlockLength));
    assert_eq!(c.decrypt("YWJj"), Err(CryptoError::BlockLength));
    let truncated = &OFFICIAL_PY_ENCRYPT[..OFFICIAL_PY_ENCRYPT.len() - 24];
    assert!(c.decrypt(truncated).is_err());
    assert!(c.decrypt("AAAAAAAAAAAAAAAAAAAAAA==").is_err());
}

#[test]
fn refuses_wrong_padding_and_non_utf8() {
    let c = cryptor(SAMPLE_KEY, "wx");
    let raw = |plain: Vec<u8>| {
        let mut buf = plain;
        let len = buf.len();
        let out = cbc::Encryptor::<Aes256>::new(&c.key.into(), &c.iv().into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .expect("whole blocks")
            .to_vec();
        B64.encode(out)
    };
    // Padding byte 0, and padding bytes that disagree.
    let mut zero = vec![b'a'; 64];
    zero[63] = 0;
    assert_eq!(c.decrypt(&raw(zero)), Err(CryptoError::Padding));
    let mut mixed = vec![3u8; 64];
    mixed[62] = 9;
    assert_eq!(c.decrypt(&raw(mixed)), Err(CryptoError::Padding));
    // A length field larger than the message.
    let mut long = vec![b'r'; 16];
    long.extend_from_slice(&1000u32.to_be_bytes());
    long.extend_from_slice(b"wx");
    long.extend(std::iter::repeat_n(10u8, 10));
    assert_eq!(c.decrypt(&raw(long)), Err(CryptoError::Layout));
    // A message that is not UTF-8.
    let mut bad = vec![b'r'; 16];
    bad.extend_from_slice(&2u32.to_be_bytes());
    bad.extend_from_slice(&[0xff, 0xfe]);
    bad.extend_from_slice(b"wx");
    bad.extend(std::iter::repeat_n(8u8, 8));
    assert_eq!(c.decrypt(&raw(bad)), Err(CryptoError::Utf8));
}

proptest! {
    #[test]
    fn encrypt_then_decrypt_round_trips(msg in "\\PC{0,400}", random in any::<[u8; 16]>()) {
        let c = cryptor(SAMPLE_KEY, OFFICIAL_JAVA_APPID);
        prop_assert_eq!(c.decrypt(&c.encrypt_with(&msg, random)).expect("round trip"), msg);
    }

    #[test]
    fn decrypt_never_panics(input in "\\PC{0,200}") {
        let _ = cryptor(SAMPLE_KEY, OFFICIAL_JAVA_APPID).decrypt(&input);
    }

    #[test]
    fn decrypt_of_random_blocks_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = cryptor(SAMPLE_KEY, OFFICIAL_JAVA_APPID).decrypt(&B64.encode(bytes));
    }
}
