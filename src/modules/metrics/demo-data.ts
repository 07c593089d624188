import type { DataSource } from 'typeorm';
import { SCALES, scoreGroup, type MetricKind } from './scoring';
import { rebuildRollups, ROLLUP_TABLES, setRollupTrigger } from './rollup';
import { TOUCHPOINT_COMMENTS } from './demo-comments';

/**
 * Demo data for trying the dashboard and for `npm run bench` (SPEC §11): the default journey with twelve
 * touchpoints, surveys of the three kinds, a few thousand contacts with attributes, and N responses over
 * the last twelve months, generated inside PostgreSQL (INSERT … SELECT from generate_series) so ten million
 * rows load in minutes. Patterns worth seeing are built in: delivery declines through the year, the
 * decision stage improves, premium customers are a little happier.
 *
 * Journey analytics has real effects to find: each contact has a latent quality of experience that moves
 * both its delivery CSAT and its relationship NPS (so delivery is the key driver), while the product
 * website's CSAT depends on no contact at all (no evidence); personas differ ("Gia đình trẻ" happier than
 * "Doanh nghiệp nhỏ"); and about 3 % of the contacts turn from promoters into detractors in the last 30
 * days (the report lists them, and the at-risk list must hold them).
 */

interface DemoTouchpoint { key: string; stage: string; vi: string; en: string; channel: string }

const TOUCHPOINTS: DemoTouchpoint[] = [
  { key: 'online-ads', stage: 'awareness', vi: 'Quảng cáo trực tuyến', en: 'Online ads', channel: 'ads' },
  { key: 'social-media', stage: 'awareness', vi: 'Mạng xã hội', en: 'Social media', channel: 'social' },
  { key: 'product-website', stage: 'consideration', vi: 'Trang web sản phẩm', en: 'Product website', channel: 'website' },
  { key: 'live-chat', stage: 'consideration', vi: 'Tư vấn trực tuyến', en: 'Live chat advice', channel: 'chat' },
  { key: 'online-checkout', stage: 'decision', vi: 'Thanh toán trực tuyến', en: 'Online checkout', channel: 'website' },
  { key: 'store-purchase', stage: 'decision', vi: 'Mua tại cửa hàng', en: 'In-store purchase', channel: 'store' },
  { key: 'delivery', stage: 'retention', vi: 'Giao hàng', en: 'Delivery', channel: 'other' },
  { key: 'onboarding', stage: 'retention', vi: 'Hướng dẫn sử dụng', en: 'Onboarding', channel: 'email' },
  { key: 'support-hotline', stage: 'retention', vi: 'Tổng đài hỗ trợ', en: 'Support hotline', channel: 'phone' },
  { key: 'service-center', stage: 'retention', vi: 'Trung tâm bảo hành', en: 'Service center', channel: 'office' },
  { key: 'loyalty-program', stage: 'advocacy', vi: 'Chương trình thành viên', en: 'Loyalty program', channel: 'loyalty' },
  { key: 'referral', stage: 'advocacy', vi: 'Giới thiệu bạn bè', en: 'Refer a friend', channel: 'website' },
];

/**
 * One demo survey: where it hangs, its latent quality (0..1 of the scale) at the start of the year, the
 * change of that quality over the year, and how many answers it gets relative to the others.
 */
interface DemoSurvey {
  title: string; kind: MetricKind; touchpoint?: string; stage?: string; base: number; trend: number; weight: number; qr?: boolean;
  /** How much the contact's latent quality moves the score (default DEFAULT_Q_WEIGHT). */
  q?: number;
  /** false: no contact effect at all (plan, persona, latent quality, churn): the score is the survey's alone. */
  contactEffects?: boolean;
}

/** The latent quality's weight on most surveys: barely any. Delivery and relationship NPS share a strong one. */
const DEFAULT_Q_WEIGHT = 0.02;
const STRONG_Q_WEIGHT = 0.16;
/** Personas (contact attribute `persona`) and how much happier or unhappier than average they are. */
export const DEMO_PERSONAS: Array<{ value: string; boost: number }> = [
  { value: 'Gia đình trẻ', boost: 0.07 },
  { value: 'Doanh nghiệp nhỏ', boost: -0.07 },
  { value: 'Sinh viên', boost: -0.02 },
  { value: 'Người đi làm', boost: 0.02 },
];
/** Share of contacts that turn from promoters into detractors, over the last CHURN_DAYS. */
const CHURN_SHARE = 0.03;
const CHURN_DAYS = 30;

const SURVEYS: DemoSurvey[] = [
  { title: 'NPS – Toàn hành trình', kind: 'nps', base: 0.83, trend: 0.02, weight: 6, q: STRONG_Q_WEIGHT },
  { title: 'NPS – Giữ chân khách hàng', kind: 'nps', stage: 'retention', base: 0.81, trend: -0.04, weight: 3, q: STRONG_Q_WEIGHT },
  { title: 'NPS – Ủng hộ', kind: 'nps', stage: 'advocacy', base: 0.87, trend: 0.01, weight: 2, q: STRONG_Q_WEIGHT },
  { title: 'NPS – Mua tại cửa hàng', kind: 'nps', touchpoint: 'store-purchase', base: 0.77, trend: 0.14, weight: 4, qr: true },
  { title: 'NPS – Chương trình thành viên', kind: 'nps', touchpoint: 'loyalty-program', base: 0.89, trend: 0, weight: 2 },
  { title: 'CSAT – Quảng cáo trực tuyến', kind: 'csat', touchpoint: 'online-ads', base: 0.71, trend: 0.01, weight: 2 },
  { title: 'CSAT – Mạng xã hội', kind: 'csat', touchpoint: 'social-media', base: 0.75, trend: 0.02, weight: 2 },
  { title: 'CSAT – Trang web sản phẩm', kind: 'csat', touchpoint: 'product-website', base: 0.77, trend: 0.03, weight: 4, contactEffects: false },
  { title: 'CSAT – Tư vấn trực tuyến', kind: 'csat', touchpoint: 'live-chat', base: 0.81, trend: 0, weight: 3 },
  { title: 'CSAT – Thanh toán trực tuyến', kind: 'csat', touchpoint: 'online-checkout', base: 0.69, trend: 0.16, weight: 5 },
  { title: 'CSAT – Mua tại cửa hàng', kind: 'csat', touchpoint: 'store-purchase', base: 0.75, trend: 0.12, weight: 4, qr: true },
  { title: 'CSAT – Giao hàng', kind: 'csat', touchpoint: 'delivery', base: 0.88, trend: -0.24, weight: 6, q: STRONG_Q_WEIGHT },
  { title: 'CSAT – Hướng dẫn sử dụng', kind: 'csat', touchpoint: 'onboarding', base: 0.79, trend: 0.02, weight: 2 },
  { title: 'CSAT – Tổng đài hỗ trợ', kind: 'csat', touchpoint: 'support-hotline', base: 0.73, trend: 0, weight: 4 },
  { title: 'CSAT – Trung tâm bảo hành', kind: 'csat', touchpoint: 'service-center', base: 0.71, trend: 0.02, weight: 2, qr: true },
  { title: 'CSAT – Chương trình thành viên', kind: 'csat', touchpoint: 'loyalty-program', base: 0.83, trend: 0.01, weight: 2 },
  { title: 'CSAT – Giới thiệu bạn bè', kind: 'csat', touchpoint: 'referral', base: 0.77, trend: 0.02, weight: 1 },
  { title: 'CES – Tư vấn trực tuyến', kind: 'ces', touchpoint: 'live-chat', base: 0.70, trend: 0.01, weight: 2 },
  { title: 'CES – Thanh toán trực tuyến', kind: 'ces', touchpoint: 'online-checkout', base: 0.60, trend: 0.18, weight: 4 },
  { title: 'CES – Hướng dẫn sử dụng', kind: 'ces', touchpoint: 'onboarding', base: 0.70, trend: 0.03, weight: 2 },
  { title: 'CES – Tổng đài hỗ trợ', kind: 'ces', touchpoint: 'support-hotline', base: 0.60, trend: -0.03, weight: 4 },
  { title: 'CES – Trung tâm bảo hành', kind: 'ces', touchpoint: 'service-center', base: 0.62, trend: 0.02, weight: 2, qr: true },
];

/** Verbatims by score group and language; a third of the answers carry one. */
const COMMENTS: Record<'promoter' | 'passive' | 'detractor', { vi: string[]; en: string[] }> = {
  promoter: {
    vi: [
      'Nhân viên rất nhiệt tình, tư vấn kỹ lưỡng.', 'Giao hàng nhanh, đóng gói cẩn thận.', 'Rất hài lòng, sẽ giới thiệu cho bạn bè.',
      'Thủ tục đơn giản, chỉ vài phút là xong.', 'Sản phẩm đúng như mô tả, giá hợp lý.', 'Ứng dụng dễ dùng, thanh toán nhanh gọn.',
      'Cửa hàng sạch sẽ, nhân viên thân thiện.', 'Hỗ trợ viên giải quyết vấn đề ngay trong cuộc gọi đầu tiên.',
      'Chương trình tích điểm rất hấp dẫn.', 'Tuyệt vời! Cảm ơn đội ngũ rất nhiều.',
    ],
    en: [
      'Friendly staff who really listened.', 'Fast delivery and careful packaging.', 'Great experience, I will recommend you to my friends.',
      'Checkout took less than a minute.', 'Exactly as described, fair price.', 'The support agent fixed it on the first call.',
      'Loyalty points are easy to use.', 'Smooth from start to finish, thank you!',
    ],
  },
  passive: {
    vi: [
      'Tạm ổn, nhưng thời gian chờ hơi lâu.', 'Sản phẩm tốt nhưng giá hơi cao.', 'Dịch vụ bình thường, không có gì đặc biệt.',
      'Trang web hơi khó tìm thông tin bảo hành.', 'Nhân viên lịch sự nhưng chưa nắm rõ sản phẩm.', 'Giao hàng đúng hẹn nhưng không báo trước.',
      'Ổn, mong có thêm nhiều ưu đãi hơn.',
    ],
    en: [
      'OK overall, but the wait was a bit long.', 'Good product, a little expensive.', 'Fine, nothing special.',
      'Hard to find the warranty information on the website.', 'Polite staff, but they did not know the product well.',
    ],
  },
  detractor: {
    vi: [
      'Giao hàng trễ 3 ngày mà không ai báo.', 'Gọi tổng đài 20 phút không ai nghe máy.', 'Thanh toán bị lỗi, bị trừ tiền hai lần.',
      'Nhân viên thiếu nhiệt tình, trả lời qua loa.', 'Sản phẩm bị lỗi, đổi trả rất phiền phức.', 'Phải giải thích lại vấn đề nhiều lần.',
      'Phí phát sinh không được báo trước.', 'Ứng dụng hay bị treo khi thanh toán.', 'Hàng giao thiếu, chờ cả tuần chưa được bù.',
      'Rất thất vọng, sẽ không quay lại.',
    ],
    en: [
      'Delivery was three days late and nobody told me.', 'Waited 20 minutes on the hotline, no answer.',
      'Payment failed and I was charged twice.', 'Had to explain my problem again and again.', 'Unexpected fees at checkout.',
      'The app kept freezing at payment.', 'Very disappointed, I will not come back.',
    ],
  },
};

const FOLLOW_UP_NOTES = [
  'Đã gọi điện xin lỗi khách hàng và hoàn phí giao hàng.',
  'Đã chuyển cho bộ phận kỹ thuật, khách đồng ý chờ 2 ngày.',
  'Called the customer, refunded the double charge.',
  'Tặng voucher 100.000đ, khách hài lòng.',
  'Escalated to the delivery partner; customer informed.',
];

const FAMILY = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ'];
const MIDDLE = ['Văn', 'Thị', 'Minh', 'Ngọc', 'Thanh', 'Hữu', 'Đức', 'Thu', 'Gia', 'Quốc'];
const GIVEN = ['An', 'Bình', 'Châu', 'Dũng', 'Giang', 'Hà', 'Hải', 'Hạnh', 'Hòa', 'Hùng', 'Hương', 'Khánh', 'Lan', 'Linh', 'Long', 'Mai',
  'Nam', 'Nga', 'Phong', 'Phương', 'Quân', 'Quang', 'Sơn', 'Tâm', 'Thảo', 'Trang', 'Trung', 'Tú', 'Tuấn', 'Vy', 'Yến'];

export interface SeedDemoOptions {
  responses: number;
  contacts?: number;
  /** Parallel connections for the bulk insert (the machine's cores are the useful maximum). */
  workers?: number;
  /** Rows per INSERT statement; progress is reported after each. */
  chunkSize?: number;
  now?: Date;
  log?: (line: string) => void;
}

export interface SeedDemoReport {
  responses: number;
  contacts: number;
  invitations: number;
  followUps: number;
  /** The contacts planted to turn from promoters into detractors (ids). */
  churned: string[];
  seconds: Record<string, number>;
}

/**
 * Contacts for a demo of n answers when none is asked for: about 25 answers a year each (so customers answer
 * several surveys over time and the key drivers have pairs to work with), from 200 up to 4,000.
 */
export function demoContactsFor(responses: number): number {
  return Math.max(200, Math.min(4000, Math.round(responses / 25)));
}

/** Days of history the demo spans; invitations (and so response rates) cover the most recent days only. */
const HISTORY_DAYS = 365;
const INVITATION_DAYS = 28;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A uniform number in [0, 1) from a hash of the contact's number n and a salt. */
const HASH_UNIFORM = (salt: string) => `((hashtext(${salt} || n::text) & 1048575)::float8 / 1048576)`;
/** The persona of demo contact number g (SQL). */
const PERSONA_OF_G = `(${`ARRAY[${DEMO_PERSONAS.map((p) => `'${p.value}'`).join(', ')}]`})[1 + (g * 7 + g / 4) % ${DEMO_PERSONAS.length}]`;
const sqlArray = (items: string[]) => `ARRAY[${items.map(quote).join(',')}]::text[]`;

async function ensureJourney(db: DataSource): Promise<void> {
  for (const [i, tp] of TOUCHPOINTS.entries()) {
    await db.query(
      `INSERT INTO touchpoints (key, stage_id, name_vi, name_en, channel, position)
       SELECT $1, id, $3, $4, $5, $6 FROM stages WHERE key = $2
       ON CONFLICT (key) DO NOTHING`,
      [tp.key, tp.stage, tp.vi, tp.en, tp.channel, i + 1],
    );
  }
  for (const s of SURVEYS) {
    await db.query(
      `INSERT INTO surveys (kind, title, touchpoint_id, stage_id, status)
       SELECT $1, $2, (SELECT id FROM touchpoints WHERE key = $3), (SELECT id FROM stages WHERE key = $4), 'active'
       WHERE NOT EXISTS (SELECT 1 FROM surveys WHERE title = $2)`,
      [s.kind, s.title, s.touchpoint ?? null, s.stage ?? null],
    );
  }
  // Targets a CX team would set: the whole journey, a stage, and the touchpoint everyone watches.
  const targets: Array<[MetricKind, string | null, string | null, number]> = [
    ['nps', null, null, 30], ['csat', null, null, 80], ['ces', null, null, 5.2],
    ['csat', 'decision', null, 75], ['csat', null, 'delivery', 85], ['ces', null, 'support-hotline', 5],
  ];
  for (const [metric, stage, touchpoint, target] of targets) {
    await db.query(
      `INSERT INTO kpi_targets (metric, stage_id, touchpoint_id, target)
       VALUES ($1, (SELECT id FROM stages WHERE key = $2), (SELECT id FROM touchpoints WHERE key = $3), $4)
       ON CONFLICT DO NOTHING`,
      [metric, stage, touchpoint, target],
    );
  }
}

async function ensureContacts(db: DataSource, count: number): Promise<number> {
  await db.query(
    `INSERT INTO contacts (email, name, locale, attributes)
     SELECT format('khachhang%s@example.com', g),
            f[1 + (g * 7) % cardinality(f)] || ' ' || m[1 + (g * 3) % cardinality(m)] || ' ' || n[1 + (g * 13) % cardinality(n)],
            CASE WHEN g % 7 = 0 THEN 'en' ELSE 'vi' END,
            jsonb_build_object(
              'segment', (ARRAY['retail', 'retail', 'retail', 'sme', 'sme', 'enterprise'])[1 + g % 6],
              'region', (ARRAY['Hà Nội', 'TP.HCM', 'TP.HCM', 'Đà Nẵng', 'Cần Thơ'])[1 + (g / 6) % 5],
              'plan', (ARRAY['basic', 'basic', 'plus', 'premium'])[1 + (g / 30) % 4],
              'persona', ${PERSONA_OF_G})
     FROM generate_series(1, $1::int) g, (SELECT ${sqlArray(FAMILY)} AS f, ${sqlArray(MIDDLE)} AS m, ${sqlArray(GIVEN)} AS n) names
     ON CONFLICT ((lower(email))) DO NOTHING`,
    [count],
  );
  // Contacts of an earlier seed get their persona too.
  await db.query(
    `UPDATE contacts SET attributes = attributes || jsonb_build_object('persona', ${PERSONA_OF_G})
     FROM (SELECT id AS cid, substring(email FROM '^khachhang([0-9]+)@')::int AS g FROM contacts WHERE email LIKE 'khachhang%@example.com' AND NOT attributes ? 'persona') x
     WHERE id = x.cid`,
  );
  await db.query(`DROP TABLE IF EXISTS demo_contact`);
  // Numbered 1..n so each generated row picks one with a hash join on an integer.
  await db.query(
    `CREATE UNLOGGED TABLE demo_contact AS
     SELECT n, id, boost + coalesce(p.pboost, 0) AS boost,
            -- The latent quality: roughly normal (a sum of four uniforms), from hashes so a re-run gives the same.
            (${HASH_UNIFORM("'a'")} + ${HASH_UNIFORM("'b'")} + ${HASH_UNIFORM("'c'")} + ${HASH_UNIFORM("'d'")} - 2) * 1.732 AS q,
            ${HASH_UNIFORM("'churn'")} < ${CHURN_SHARE} AS churn
     FROM (SELECT row_number() OVER (ORDER BY email)::int AS n, id, attributes->>'persona' AS persona,
                  CASE attributes->>'plan' WHEN 'premium' THEN 0.05 WHEN 'basic' THEN -0.02 ELSE 0 END::float8 AS boost
           FROM contacts WHERE email LIKE 'khachhang%@example.com') c
     LEFT JOIN jsonb_to_recordset($1::jsonb) AS p(value text, pboost float8) ON p.value = c.persona`,
    [JSON.stringify(DEMO_PERSONAS.map((p) => ({ value: p.value, pboost: p.boost })))],
  );
  await db.query(`ALTER TABLE demo_contact ADD PRIMARY KEY (n)`);
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM demo_contact`);
  return n;
}

/** Which comment list a survey's answers draw from: its touchpoint's own, else the general one. */
const commentSet = (s: DemoSurvey) => (s.touchpoint && TOUCHPOINT_COMMENTS[s.touchpoint] ? s.touchpoint : '*');

/** 1000 slots shared among the surveys by weight: a row picks a survey with one hash join on its slot. */
async function createSlotTable(db: DataSource): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS demo_slot`);
  await db.query(`CREATE UNLOGGED TABLE demo_slot (slot int PRIMARY KEY, survey_id uuid, smin int, smax int, base float8, trend float8, qr boolean, kind text, tp text, qw float8, fx boolean)`);
  const totalWeight = SURVEYS.reduce((sum, s) => sum + s.weight, 0);
  const rows: unknown[] = [];
  let slot = 0;
  for (const [i, s] of SURVEYS.entries()) {
    const end = i === SURVEYS.length - 1 ? 1000 : Math.round(((SURVEYS.slice(0, i + 1).reduce((sum, x) => sum + x.weight, 0)) / totalWeight) * 1000);
    for (; slot < end; slot++) {
      rows.push({
        slot, title: s.title, smin: SCALES[s.kind].min, smax: SCALES[s.kind].max, base: s.base, trend: s.trend, qr: !!s.qr, tp: commentSet(s),
        qw: s.q ?? DEFAULT_Q_WEIGHT, fx: s.contactEffects !== false,
      });
    }
  }
  await db.query(
    `INSERT INTO demo_slot
     SELECT x.slot, s.id, x.smin, x.smax, x.base, x.trend, x.qr, s.kind, x.tp, x.qw, x.fx
     FROM jsonb_to_recordset($1::jsonb) AS x(slot int, title text, smin int, smax int, base float8, trend float8, qr boolean, tp text, qw float8, fx boolean)
     JOIN surveys s ON s.title = x.title`,
    [JSON.stringify(rows)],
  );
  // Score groups from scoring.ts, so the generated comments match the group the dashboard will show.
  await db.query(`DROP TABLE IF EXISTS demo_group`);
  // k_vi / k_en: how many comments the group has in each language, to pick one with a join on its index.
  await db.query(`CREATE UNLOGGED TABLE demo_group (kind text, score int, grp text, k_vi int, k_en int, PRIMARY KEY (kind, score))`);
  const groups: unknown[] = [];
  for (const kind of ['nps', 'csat', 'ces'] as const) {
    for (let v = SCALES[kind].min; v <= SCALES[kind].max; v++) {
      const grp = scoreGroup(kind, v);
      groups.push({ kind, score: v, grp, k_vi: COMMENTS[grp].vi.length, k_en: COMMENTS[grp].en.length });
    }
  }
  await db.query(`INSERT INTO demo_group SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(kind text, score int, grp text, k_vi int, k_en int)`, [JSON.stringify(groups)]);
  await db.query(`DROP TABLE IF EXISTS demo_comment`);
  // Comments per touchpoint ('*': the general ones, for stage and journey surveys); demo_comment_k counts each list.
  await db.query(`CREATE UNLOGGED TABLE demo_comment (tp text, grp text, locale text, i int, body text, PRIMARY KEY (tp, grp, locale, i))`);
  const comments: unknown[] = [];
  for (const [tp, set] of [['*', COMMENTS] as const, ...Object.entries(TOUCHPOINT_COMMENTS)]) {
    for (const [grp, byLocale] of Object.entries(set)) {
      for (const locale of ['vi', 'en'] as const) byLocale[locale].forEach((body, i) => comments.push({ tp, grp, locale, i, body }));
    }
  }
  await db.query(`INSERT INTO demo_comment SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(tp text, grp text, locale text, i int, body text)`, [JSON.stringify(comments)]);
  await db.query(`DROP TABLE IF EXISTS demo_comment_k`);
  await db.query(`CREATE UNLOGGED TABLE demo_comment_k AS SELECT tp, grp, locale, count(*)::int AS k FROM demo_comment GROUP BY 1, 2, 3`);
}

/**
 * One chunk of responses, rows first..last of total. Row g sits at a fraction u of the year, with a
 * density that doubles from the first month to the last (a growing business), so created_at grows with g
 * and the inserts append to the time indexes. A row's score is the survey's latent quality at that time,
 * plus the contact's effects (plan, persona, its latent quality times the survey's weight, and for a
 * churning contact a lift before the last 30 days and a fall within them; none on a survey without contact
 * effects), plus roughly normal noise, rounded onto the survey's scale.
 */
function chunkSql(): string {
  return `
    INSERT INTO responses (survey_id, score, comment, channel, locale, contact_id, hidden, created_at, updated_at)
    SELECT y.survey_id, y.score, cm.body, y.channel, y.locale, y.contact_id,
           CASE WHEN y.channel = 'qr' THEN jsonb_build_object('store', (ARRAY['q1', 'q3', 'q7', 'hn-hoankiem', 'dn-haichau'])[1 + (y.g % 5)]) ELSE '{}'::jsonb END,
           y.created_at, y.created_at
    FROM (
      SELECT x.g, s.survey_id, s.kind, s.tp, x.created_at, x.r_comment, x.r_pick,
             least(s.smax, greatest(s.smin, round(s.smin + (s.smax - s.smin) * (s.base + s.trend * x.u + 0.21 * x.noise
               + CASE WHEN s.fx AND c.id IS NOT NULL THEN c.boost + s.qw * c.q
                      + CASE WHEN c.churn THEN (CASE WHEN x.created_at >= $6::timestamptz THEN -0.75 ELSE 0.12 END) ELSE 0 END
                      ELSE 0 END))))::smallint AS score,
             CASE WHEN x.r_channel < 0.42 THEN 'email'
                  WHEN s.qr AND x.r_channel < 0.80 THEN 'qr'
                  WHEN x.r_channel < 0.72 THEN 'link'
                  WHEN x.r_channel < 0.90 THEN 'qr'
                  ELSE 'api' END AS channel,
             CASE WHEN x.r_locale < 0.82 THEN 'vi' ELSE 'en' END AS locale,
             c.id AS contact_id
      FROM (
        SELECT g, u, floor(random() * 1000)::int AS slot,
               random() AS r_channel, random() AS r_locale, random() AS r_comment, random() AS r_pick,
               CASE WHEN random() < 0.72 THEN 1 + floor(random() * $4)::int END AS contact_n,
               (random() + random() + random() + random() - 2) * 1.732 AS noise,
               least(now(), $5::timestamptz + (sqrt(1 + 3 * u) - 1) * interval '${HISTORY_DAYS} days' + (random() - 0.5) * interval '4 hours') AS created_at
        FROM (SELECT g, (g - 0.5) / $3::float8 AS u FROM generate_series($1::bigint, $2::bigint) g) series
      ) x
      JOIN demo_slot s ON s.slot = x.slot
      LEFT JOIN demo_contact c ON c.n = x.contact_n
    ) y
    JOIN demo_group gr ON gr.kind = y.kind AND gr.score = y.score
    LEFT JOIN demo_comment_k ck ON y.r_comment < 0.33 AND ck.tp = y.tp AND ck.grp = gr.grp AND ck.locale = y.locale
    LEFT JOIN demo_comment cm ON cm.tp = ck.tp AND cm.grp = ck.grp AND cm.locale = ck.locale AND cm.i = floor(y.r_pick * ck.k)::int`;
}

/**
 * Loads the demo: journey, surveys and targets (idempotent), contacts, then N more responses with the
 * rollup trigger disabled; the rollup is rebuilt with one aggregate at the end, so the dashboard is exact.
 */
export async function seedDemoData(db: DataSource, opts: SeedDemoOptions): Promise<SeedDemoReport> {
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? new Date();
  const seconds: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      seconds[name] = Number(process.hrtime.bigint() - start) / 1e9;
      log(`${name}: ${seconds[name].toFixed(1)} s`);
    }
  };
  const total = opts.responses;
  const workers = Math.max(1, opts.workers ?? 2);
  const chunkSize = opts.chunkSize ?? 250_000;
  const start = new Date(now.getTime() - HISTORY_DAYS * 86_400_000);
  const invitationCutoff = new Date(now.getTime() - INVITATION_DAYS * 86_400_000);
  const churnFrom = new Date(now.getTime() - CHURN_DAYS * 86_400_000);

  await timed('journey', () => ensureJourney(db));
  const contacts = await timed('contacts', () => ensureContacts(db, opts.contacts ?? demoContactsFor(total)));
  await createSlotTable(db);
  const [{ maxId }] = await db.query(`SELECT coalesce(max(id), 0)::text AS "maxId" FROM responses`);

  await setRollupTrigger(db, false);
  try {
    await timed('responses', async () => {
      let next = 1;
      let done = 0;
      const worker = async () => {
        const runner = db.createQueryRunner();
        await runner.connect();
        try {
          // Durability of each chunk is not needed until the end: a crash means re-running the seed.
          await runner.query(`SET synchronous_commit = off`);
          while (next <= total) {
            const first = next;
            const last = Math.min(total, first + chunkSize - 1);
            next = last + 1;
            // A seed per chunk: the same rows whichever worker draws them, so a demo (and its test) is reproducible.
            await runner.query(`SELECT setseed($1)`, [((first * 7919) % 1_000_003) / 1_000_003]);
            await runner.query(chunkSql(), [first, last, total, contacts, start, churnFrom]);
            done += last - first + 1;
            log(`  responses ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`);
          }
        } finally {
          await runner.release();
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
    });
    await timed('churn', () => plantChurn(db, now));
    await timed('invitations', () => seedInvitations(db, maxId, invitationCutoff, now, contacts));
    await timed('follow-ups', () => seedFollowUps(db, maxId, now));
  } finally {
    await timed('rollup', () => rebuildRollups(db, { enableTrigger: true }));
  }
  await timed('analyze', async () => {
    // Autovacuum would otherwise do this in the background while someone is looking at the dashboard.
    for (const table of ['responses', 'invitations', 'follow_ups', 'contacts', ...ROLLUP_TABLES]) await db.query(`VACUUM ANALYZE ${table}`);
  });
  const churned: Array<{ id: string }> = await db.query(`SELECT id FROM demo_contact WHERE churn ORDER BY n`);
  for (const table of ['demo_contact', 'demo_slot', 'demo_group', 'demo_comment', 'demo_comment_k']) await db.query(`DROP TABLE IF EXISTS ${table}`);
  const [counts] = await db.query(
    `SELECT (SELECT count(*) FROM responses WHERE id > $1)::int AS responses,
            (SELECT count(*) FROM invitations WHERE token LIKE 'demo%')::int AS invitations,
            (SELECT count(*) FROM follow_ups f WHERE f.response_id > $1)::int AS "followUps"`,
    [maxId],
  );
  return { responses: counts.responses, contacts, invitations: counts.invitations, followUps: counts.followUps, churned: churned.map((c) => c.id), seconds };
}

/**
 * Every churning contact's turn, made certain whatever the random draw: a retention NPS of 10 before the
 * last 30 days, then a retention NPS of 2 and a delivery CSAT of 1 within them (answered by link).
 */
async function plantChurn(db: DataSource, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO responses (survey_id, score, channel, locale, contact_id, hidden, created_at, updated_at)
     SELECT s.id, x.score, 'link', 'vi', c.id, '{}', x.at, x.at
     FROM demo_contact c
     CROSS JOIN (VALUES ('NPS – Giữ chân khách hàng', 10, $1::timestamptz - interval '45 days'),
                        ('NPS – Giữ chân khách hàng', 2, $1::timestamptz - interval '10 days'),
                        ('CSAT – Giao hàng', 1, $1::timestamptz - interval '9 days')) AS x(title, score, at)
     JOIN surveys s ON s.title = x.title
     WHERE c.churn`,
    [now],
  );
}

/**
 * Invitations for the last four weeks: every new email answer with a contact came from one, and about two
 * invitations in three got no answer, so response rates read like a real email program's.
 */
async function seedInvitations(db: DataSource, afterId: string, cutoff: Date, now: Date, contacts: number): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS demo_invitation`);
  await db.query(
    `CREATE UNLOGGED TABLE demo_invitation AS
     SELECT r.id AS response_id, gen_random_uuid() AS invitation_id, r.survey_id, r.contact_id, r.created_at
     FROM responses r WHERE r.id > $1 AND r.channel = 'email' AND r.contact_id IS NOT NULL AND r.created_at >= $2`,
    [afterId, cutoff],
  );
  await db.query(
    `INSERT INTO invitations (id, survey_id, contact_id, token, channel, status, sent_at, opened_at, responded_at, created_at)
     SELECT invitation_id, survey_id, contact_id, 'demo' || translate(encode(gen_random_bytes(18), 'base64'), '+/', '-_'), 'email', 'sent',
            sent_at, created_at - random() * interval '10 minutes', created_at, sent_at - interval '1 minute'
     FROM (SELECT d.*, d.created_at - (0.2 + random() * 30) * interval '1 hour' AS sent_at FROM demo_invitation d) d`,
  );
  await db.query(`UPDATE responses r SET invitation_id = d.invitation_id FROM demo_invitation d WHERE r.id = d.response_id`);
  // Twice as many unanswered invitations over the same weeks and surveys (a few opened): a one-in-three response rate.
  const [{ answered }] = await db.query(`SELECT count(*)::int AS answered FROM demo_invitation`);
  const unanswered = answered * 2;
  await db.query(
    `INSERT INTO invitations (survey_id, contact_id, token, channel, status, sent_at, opened_at, created_at)
     SELECT s.survey_id, c.id, 'demo' || translate(encode(gen_random_bytes(18), 'base64'), '+/', '-_'), 'email', 'sent', t.sent_at,
            CASE WHEN random() < 0.3 THEN t.sent_at + random() * interval '2 days' END, t.sent_at - interval '1 minute'
     FROM (SELECT g, floor(random() * 1000)::int AS slot, 1 + floor(random() * $2)::int AS n,
                  $3::timestamptz + random() * ($4::timestamptz - $3::timestamptz) AS sent_at
           FROM generate_series(1, $1::int) g) t
     JOIN demo_slot s ON s.slot = t.slot
     JOIN demo_contact c ON c.n = t.n`,
    [unanswered, contacts, cutoff, now],
  );
  await db.query(`DROP TABLE demo_invitation`);
  // An email answer always comes from an invitation: older ones (before the invitation window) came by link.
  await db.query(`UPDATE responses SET channel = 'link' WHERE id > $1 AND channel = 'email' AND invitation_id IS NULL`, [afterId]);
}

/** Every new detractor answer opens a follow-up (as recordResponse does); older ones are mostly closed. */
async function seedFollowUps(db: DataSource, afterId: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO follow_ups (response_id, status, notes, created_at, updated_at, closed_at)
     SELECT x.id, x.status, CASE WHEN x.status <> 'open' THEN (${sqlArray(FOLLOW_UP_NOTES)})[1 + (x.id % ${FOLLOW_UP_NOTES.length})::int] ELSE '' END,
            x.created_at, CASE WHEN x.status = 'open' THEN x.created_at ELSE least($2::timestamptz, x.created_at + interval '2 days') END,
            CASE WHEN x.status = 'closed' THEN least($2::timestamptz, x.created_at + interval '2 days') END
     FROM (
       SELECT r.id, r.created_at,
              CASE WHEN r.created_at < $2::timestamptz - interval '21 days' THEN (CASE WHEN random() < 0.995 THEN 'closed' ELSE 'in_progress' END)
                   WHEN r.created_at < $2::timestamptz - interval '7 days' THEN (CASE WHEN random() < 0.5 THEN 'closed' WHEN random() < 0.6 THEN 'in_progress' ELSE 'open' END)
                   ELSE (CASE WHEN random() < 0.7 THEN 'open' ELSE 'in_progress' END) END AS status
       FROM responses r JOIN surveys s ON s.id = r.survey_id
       JOIN demo_group g ON g.kind = s.kind AND g.score = r.score AND g.grp = 'detractor'
       WHERE r.id > $1
     ) x
     ON CONFLICT (response_id) DO NOTHING`,
    [afterId, now],
  );
}
