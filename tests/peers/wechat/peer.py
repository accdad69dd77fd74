#!/usr/bin/env python3
"""Independent WeChat peer: drives the real `taxbot serve` binary the way the
WeChat servers would, using the wechatpy SDK (not our Rust code) to sign,
encrypt and decrypt, in plain and safe mode.

Usage: peer.py PATH/TO/taxbot   (prints "N passed, M failed"; exits 1 on failure)
"""

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TOKEN = "peer-token"
APPID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ACCOUNT = "gh_peer_account"
# A question and a phrase of its answer, read from the shipped knowledge base.
ENTRY = os.path.join(ROOT, "knowledge-base", "faq", "CAR", "CAR-001.md")
# Short, ambiguous questions; the peer uses the first that gets a clarification.
VAGUE = ["税率", "发票", "个税", "社保", "退税", "申报", "减免", "扣除"]

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)


def start_server(bin_path, tmp):
    config = os.path.join(tmp, "taxbot.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f"""
[server]
bind = "127.0.0.1:0"
[store]
data_dir = "{tmp}/data"
[kb]
dir = "{ROOT}/knowledge-base"
[chat]
stream_delay_ms = 0
[[wechat.accounts]]
path = "/wx/plain"
mode = "plain"
token = "{TOKEN}"
appid = "{APPID}"
[[wechat.accounts]]
path = "/wx/safe"
mode = "safe"
token = "{TOKEN}"
appid = "{APPID}"
encoding_aes_key = "{AES_KEY}"
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAXBOT_")}
    proc = subprocess.Popen([bin_path, "--config", config, "serve"], cwd=tmp, env=env,
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                raise SystemExit(f"taxbot exited with {proc.returncode}")
            continue
        m = re.search(r"http://(127\.0\.0\.1:\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("taxbot did not report its address")


class Peer:
    def __init__(self, addr, path, safe):
        self.base = f"http://{addr}{path}"
        self.safe = safe
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)

    def sign(self, timestamp, nonce, *extra):
        signer = WeChatSigner()
        signer.add_data(TOKEN, timestamp, nonce, *extra)
        return signer.signature

    def request(self, method, query, body=None):
        url = self.base + "?" + urllib.parse.urlencode(query)
        req = urllib.request.Request(url, data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def post(self, xml, timestamp=None, bad_signature=False):
        timestamp = timestamp or str(int(time.time()))
        nonce = uuid.uuid4().hex[:10]
        query = {"timestamp": timestamp, "nonce": nonce, "signature": self.sign(timestamp, nonce)}
        body = xml
        if self.safe:
            envelope = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, timestamp))["xml"]
            query["encrypt_type"] = "aes"
            query["msg_signature"] = envelope["MsgSignature"]
            body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>")
        if bad_signature:
            query["signature"] = "0" * 40
            query["msg_signature"] = "0" * 40
        status, text = self.request("POST", query, body.encode("utf-8"))
        return status, self.read_reply(text) if status == 200 else text

    def read_reply(self, text):
        """The reply's content, checked with wechatpy; None for `success`."""
        if text in ("success", ""):
            return None
        if self.safe:
            env = xmltodict.parse(text)["xml"]
            text = self.crypto.decrypt_message(text, env["MsgSignature"], env["TimeStamp"], env["Nonce"])
        msg = parse_message(text)
        assert msg.type == "text", msg.type
        assert msg.source == ACCOUNT and msg.target == self.user, (msg.source, msg.target)
        return msg.content

    def text(self, content, msg_id=None):
        msg_id = msg_id or str(uuid.uuid4().int % 10**18)
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{self.user}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")

    def event(self, name, key=""):
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{self.user}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                f"<Event><![CDATA[{name}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>")


def entry():
    text = open(ENTRY, encoding="utf-8").read()
    question = re.search(r'^question = "(.*)"$', text, re.M).group(1)
    return question, "购置日期"


def run(peer, mode):
    peer.user = "o_peer_" + mode + "_" + uuid.uuid4().hex[:8]
    ts = str(int(time.time()))
    status, echo = peer.request("GET", {"timestamp": ts, "nonce": "n1", "echostr": "hello-echo",
                                        "signature": peer.sign(ts, "n1")})
    check(f"{mode}: URL verification echoes echostr", status == 200 and echo == "hello-echo", f"{status} {echo}")

    question, phrase = entry()
    status, reply = peer.post(peer.text(question))
    check(f"{mode}: a text question gets its answer", status == 200 and reply and phrase in reply
          and "依据：" in reply and "**" not in reply, f"{status} {reply!r}")

    status, reply = peer.post(peer.event("subscribe"))
    check(f"{mode}: subscribe gets a welcome with numbered hot questions",
          status == 200 and reply and "1. " in reply and "回复数字选择" in reply, f"{status} {reply!r}")

    # A fresh user: for the previous user a one-word question is a follow-up
    # of the question before, which the bot rightly answers in that context.
    peer.user = "o_peer_vague_" + mode + "_" + uuid.uuid4().hex[:8]
    clarified = None
    for q in VAGUE:
        status, reply = peer.post(peer.text(q))
        if status == 200 and reply and "回复数字选择" in reply and "\n2. " in reply:
            clarified = reply
            break
    check(f"{mode}: a vague question gets numbered candidates", clarified is not None, reply)
    if clarified:
        second = re.search(r"^2\. (.*)$", clarified, re.M).group(1)
        status, reply = peer.post(peer.text("2"))
        check(f"{mode}: replying 2 answers candidate 2", status == 200 and reply and "回复数字选择" not in reply
              and "依据" in reply, f"{second} -> {reply!r}")

    msg_id = str(uuid.uuid4().int % 10**18)
    first = peer.post(peer.text(question, msg_id))
    again = peer.post(peer.text(question, msg_id))
    check(f"{mode}: a retried MsgId gets the same single reply", first == again and first[0] == 200,
          f"{first!r} vs {again!r}")

    status, body = peer.post(peer.text(question), bad_signature=True)
    check(f"{mode}: a bad signature is refused", status == 403, f"{status} {body!r}")
    status, body = peer.post(peer.text(question), timestamp=str(int(time.time()) - 3600))
    check(f"{mode}: a stale timestamp is refused", status == 403, f"{status} {body!r}")


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory() as tmp:
        proc, addr = start_server(os.path.abspath(sys.argv[1]), tmp)
        try:
            run(Peer(addr, "/wx/plain", safe=False), "plain")
            run(Peer(addr, "/wx/safe", safe=True), "safe")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)


if __name__ == "__main__":
    main()
