//! Is a message a tax question at all? Taxpayers ask a tax hotline about every
//! public service that touches money or paperwork (公积金, 医保报销, 快递,
//! 违章…), and those share words with tax entries (公积金 is among the tax-free
//! incomes, 医保报销 among the medical deductions). A small curated lexicon of
//! such services, each with where to ask, recognises them; a message that names
//! one and has no tax anchor is out of scope, whatever the ranking says.

/// A public service outside tax, with where a taxpayer can ask about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// What the service is about (e.g. "住房公积金").
    pub name: &'static str,
    /// Where to ask (e.g. "当地住房公积金管理中心（12329）").
    pub contact: &'static str,
    /// Only a strong tax anchor (税, 发票…) keeps a message naming a strong
    /// service in scope: "公积金补缴" is not about 社保费 补缴.
    strong: bool,
    /// Phrases (normalised text) that name the service.
    cues: &'static [&'static str],
}

impl Service {
    /// Whether only a strong tax anchor (税, 发票…) keeps a message naming it in scope.
    pub fn is_strong(&self) -> bool {
        self.strong
    }
}

/// Where to ask about anything public that is not tax.
pub const GENERAL_CONTACT: &str = "12345政务服务便民热线";

/// The services, most specific first (the first whose cue matches is named).
#[rustfmt::skip]
const SERVICES: &[Service] = &[
    Service {
        name: "住房公积金", contact: "当地住房公积金管理中心（服务热线12329）", strong: true,
        cues: &["公积金"]
    },
    Service {
        name: "购房资格",
        contact: "当地住房和城乡建设部门",
        strong: true,
        cues: &["买房资格", "购房资格", "限购"],
    },
    Service {
        name: "房产中介和租赁服务",
        contact: "当地住房和城乡建设部门或12345",
        strong: true,
        cues: &["中介费", "房产中介", "中介公司", "租房中介", "押金不退"],
    },
    Service {
        name: "彩票兑奖",
        contact: "彩票销售网点或当地福利彩票、体育彩票发行机构",
        strong: true,
        cues: &["兑奖", "领奖", "大奖去哪", "开奖", "中奖号码", "彩票站", "彩票店", "双色球", "大乐透"],
    },
    Service {
        name: "医保待遇和报销",
        contact: "当地医疗保障部门（医保服务热线12393）",
        strong: false,
        cues: &[
            "医保报销", "看病", "报销比例", "医保卡", "医保电子凭证", "医保码", "医保个人账户", "异地就医",
            "就医", "门诊", "住院", "定点医院", "定点药店", "买药", "慢性病", "新农合", "医疗费报销", "医保报",
            "家庭共济", "医保共济", "门诊统筹",
        ],
    },
    Service {
        name: "社保待遇、就业和劳动关系",
        contact: "当地人力资源和社会保障部门（服务热线12333）",
        strong: false,
        cues: &[
            "养老金", "退休金", "退休手续", "办退休", "退休年龄", "延迟退休", "社保卡", "失业金", "失业保险金",
            "工伤", "生育津贴", "养老保险关系", "转移接续", "权益记录", "资格认证", "企业年金", "劳动仲裁",
            "劳动合同", "拖欠工资", "欠薪", "辞退", "加班费", "年假", "试用期", "档案", "职称", "技能证书",
            "人才补贴", "工作许可", "缴费年限", "创业担保贷款", "社保待遇",
        ],
    },
    Service {
        name: "快递物流",
        contact: "快递公司客服；解决不了可拨打邮政业用户申诉电话12305",
        strong: false,
        cues: &["快递", "快弟", "物流", "寄件", "派送", "包裹"],
    },
    Service {
        name: "出入境证件",
        contact: "公安出入境管理部门（服务热线12367）",
        strong: false,
        cues: &["护照", "签证", "通行证", "出入境", "居留证"],
    },
    Service {
        name: "海关通关",
        contact: "海关（服务热线12360）",
        strong: false,
        cues: &["海关", "报关", "行李申报", "检验检疫", "入境带"],
    },
    Service {
        name: "交通管理",
        contact: "公安交通管理部门（交管12123 App或拨打12123）",
        strong: false,
        cues: &[
            "违章", "驾照", "驾驶证", "扣分", "年检", "上牌", "车牌", "车管所", "摇号", "交通事故", "罚单",
            "交通罚款",
        ],
    },
    Service {
        name: "户籍和身份证件",
        contact: "当地公安机关户籍窗口或派出所",
        strong: false,
        cues: &["户口", "落户", "身份证", "居住证", "户籍", "迁户"],
    },
    Service {
        name: "银行、贷款和支付",
        contact: "开户银行或支付机构的客服；金融消费纠纷可拨打12378",
        strong: false,
        cues: &[
            "银行卡", "信用卡", "网银", "手机银行", "转账", "征信", "房贷", "贷款", "首付", "月供", "外汇",
            "外币", "汇款", "理财", "基金", "股票", "支付宝", "微信支付", "数字人民币", "账户被冻结",
            "哪个银行", "收益", "账户被限制",
        ],
    },
    Service {
        name: "教育和学籍",
        contact: "学校或当地教育部门",
        strong: false,
        cues: &["学籍", "转学", "入学", "高考", "助学贷款", "学历认证", "幼儿园", "上学", "入园", "教师资格"],
    },
    Service {
        name: "考试报名",
        contact: "相应考试的主管机构（如人事考试中心、会计资格评价中心、注册会计师协会）",
        strong: false,
        cues: &["考试", "报名", "考公", "公务员", "会计职称", "注册会计师", "从业资格"],
    },
    Service {
        name: "水电燃气和物业",
        contact: "供水、供电（95598）、燃气公司或物业服务企业",
        strong: false,
        cues: &["水费", "电费", "燃气", "停气", "停电", "物业", "维修基金", "停车费", "押金", "房东"],
    },
    Service {
        name: "市场主体登记和消费维权",
        contact: "市场监督管理部门（投诉举报热线12315）",
        strong: false,
        cues: &[
            "营业执照", "工商年报", "执照年报", "经营异常", "商标", "食品经营许可", "假货", "退款", "经营范围",
            "法人变更", "股东变更", "专利", "著作权", "网购",
        ],
    },
    Service {
        name: "不动产登记",
        contact: "当地不动产登记中心",
        strong: false,
        cues: &["房产证", "不动产权证", "不动产登记", "过户手续", "宅基地", "拆迁"],
    },
    Service {
        name: "婚姻、社会救助和养老服务",
        contact: "当地民政部门（残疾证找残联）",
        strong: false,
        cues: &[
            "结婚", "离婚手续", "低保", "救助", "高龄补贴", "养老院", "丧葬费", "抚恤金", "残疾证", "老年卡",
            "优待证", "出生医学证明", "生育登记", "育儿补贴", "独生子女父母",
        ],
    },
    Service {
        name: "法律纠纷和公证",
        contact: "12348公共法律服务热线，或法院、公证处；遇到诈骗请拨打110",
        strong: false,
        cues: &[
            "起诉", "打官司", "律师", "诉讼", "仲裁", "公证", "判决", "遗嘱", "报警", "诈骗", "报案", "被盗",
            "被偷", "催收",
        ],
    },
    Service {
        name: "通信服务",
        contact: "电信运营商客服（申诉可拨打12300）",
        strong: false,
        cues: &["话费", "携号转网", "宽带", "流量", "手机被盗", "手机卡"],
    },
    Service {
        name: "出行和交通票务",
        contact: "承运的铁路、航空公司或出行平台的客服",
        strong: false,
        cues: &[
            "高铁票", "机票", "航班", "飞机延误", "退票", "改签", "公交卡", "地铁卡", "共享单车", "网约车",
            "打车", "etc", "高速公路收费", "外卖",
        ],
    },
    Service {
        name: "医疗卫生服务",
        contact: "医院或当地卫生健康部门（12320）",
        strong: false,
        cues: &["挂号", "疫苗", "体检", "医院"],
    },
    Service {
        name: "商业保险",
        contact: "承保的保险公司客服（纠纷可拨打12378）",
        strong: false,
        cues: &["理赔", "出险", "车险", "重疾险", "保险公司"],
    },
    Service {
        name: "农业补贴",
        contact: "当地农业农村部门",
        strong: false,
        cues: &["种粮补贴", "农机购置补贴", "燃油补贴", "土地承包", "耕地补贴"],
    },
    Service {
        name: "行政许可和其他政务",
        contact: GENERAL_CONTACT,
        strong: false,
        cues: &[
            "许可证", "施工许可", "消防", "环评", "排污许可", "招投标", "政府采购", "统计报表", "户外广告",
            "住房补贴", "公租房",
        ],
    },
];

/// Words that make a message a tax question even when it names a service
/// ("公积金贷款利息能扣除吗", "违章罚款能税前扣除吗").
#[rustfmt::skip]
const STRONG_ANCHORS: &[&str] = &[
    "税", "发票", "开票", "专票", "普票", "抵扣", "扣除", "汇算", "12366", "扣缴", "预缴", "留抵", "进项",
    "销项", "红冲", "红字", "子女教育", "继续教育", "赡养", "大病医疗", "住房租金", "婴幼儿照护", "专项附加",
    "房贷利息", "贷款利息", "一般纳税人", "小规模",
];

/// Words that make a message a tax question unless it names a strong service
/// (社保费 and 医保费 are paid to the tax bureau: "社保断缴了能补缴吗").
#[rustfmt::skip]
const WEAK_ANCHORS: &[&str] = &[
    "扣", "抵", "申报", "纳税", "缴费", "补缴", "补交", "补上", "断缴", "交养老", "社保费", "征收", "免征",
    "代开", "核定", "定额", "所得",
];

/// Phrases removed before looking for anchors and cues: "扣分" is not a
/// deduction, and 个人养老金 is a tax-deductible scheme, not a pension to draw.
const NEUTRAL: &[&str] = &["扣分", "扣款", "扣押", "被扣", "抵押", "个人养老金"];

/// What a message is about, as far as scope goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// It has a tax anchor: a tax question whatever else it mentions.
    Tax,
    /// It names a non-tax service and has no tax anchor.
    Service(&'static Service),
    /// Neither: decided by how well it matches the knowledge base.
    Unanchored,
}

/// Classifies a normalised message (see `text::normalize_text`).
pub fn classify(normalized: &str) -> Scope {
    let has = |words: &[&str], text: &str| words.iter().any(|w| text.contains(w));
    if has(STRONG_ANCHORS, normalized) {
        return Scope::Tax;
    }
    let mut text = normalized.to_owned();
    for n in NEUTRAL {
        if text.contains(n) {
            text = text.replace(n, "，");
        }
    }
    let weak = has(WEAK_ANCHORS, &text);
    match SERVICES.iter().find(|s| s.cues.iter().any(|c| text.contains(c))) {
        Some(s) if s.strong || !weak => Scope::Service(s),
        _ if weak => Scope::Tax,
        _ => Scope::Unanchored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Option<&'static str> {
        match classify(text) {
            Scope::Service(s) => Some(s.name),
            _ => None,
        }
    }

    #[test]
    fn services_without_a_tax_anchor_are_out_of_scope() {
        assert_eq!(name("公积金怎么提取"), Some("住房公积金"));
        assert_eq!(name("我的快递丢了"), Some("快递物流"));
        assert_eq!(name("违章罚款在哪里交"), Some("交通管理"));
    }

    #[test]
    fn a_tax_anchor_keeps_the_question_in_scope() {
        assert_eq!(classify("公积金贷款利息能扣除吗"), Scope::Tax);
        assert_eq!(classify("住房公积金要交个人所得税吗"), Scope::Tax);
        assert_eq!(classify("快递费发票怎么开"), Scope::Tax);
        assert_eq!(classify("社保断缴了能补缴吗"), Scope::Tax);
        assert_ne!(name("个人养老金每年最多存多少"), Some("社保待遇、就业和劳动关系"));
    }

    #[test]
    fn only_a_strong_anchor_keeps_a_strong_service_in_scope() {
        assert_eq!(name("公积金补缴怎么操作"), Some("住房公积金"));
        assert_eq!(name("驾照扣分满12分怎么办"), Some("交通管理"));
    }

    #[test]
    fn everything_else_is_unanchored() {
        assert_eq!(classify("退休返聘的收入怎么算"), Scope::Unanchored);
    }

    #[test]
    fn every_service_has_a_contact_and_cues() {
        assert!(SERVICES.iter().all(|s| !s.contact.is_empty() && !s.cues.is_empty()));
    }
}
