//! What the bot says around its answers, in one place for every channel.

/// Tells a taxpayer the server is restarting; the widget reconnects by itself.
pub const RESTARTING: &str = "服务正在重启，请稍后自动重连，您的会话不会丢失。";

/// Tells an agent console the server is restarting.
pub const RESTARTING_AGENT: &str = "服务正在重启，请稍后重连。";

/// Offers a human after answers were rated unhelpful.
pub const UNHELPFUL_OFFER: &str = "看起来这些回答没能解决您的问题，需要为您转接人工客服吗？";

/// Refuses a 留言 beyond the daily bound of the visitor or the address.
pub const TOO_MANY_TICKETS: &str = "今天的留言次数已达上限，请明天再试或拨打 12366 纳税服务热线。";

/// Refuses a WeChat message beyond the user's rate.
pub const TOO_FAST: &str = "您发送消息过于频繁，请稍后再试。";

/// Closes a socket that sent no `hello` in time.
pub const HELLO_TIMEOUT: &str = "连接后未及时发送 hello，连接已关闭";
/// Error text: the client sent nothing for `limits.idle_secs`.
pub const IDLE_TIMEOUT: &str = "连接长时间无活动，已关闭；重新连接即可继续会话";

/// Confirms a 留言 ticket in the web widget, where the answer will appear.
pub fn ticket_created(ticket_id: i64) -> String {
    format!("留言已收到，编号 {ticket_id}。客服答复后会在这里通知您。")
}

/// Confirms a 留言 ticket on WeChat, where the answer is pushed by the 公众号.
pub fn ticket_created_wechat(ticket_id: i64) -> String {
    format!("已收到您的留言（编号 {ticket_id}），客服答复后会通过本公众号发给您。")
}
