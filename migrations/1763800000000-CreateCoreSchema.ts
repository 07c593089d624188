import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The core schema of SPEC §2. Metrics read `response_daily`, a per-day rollup kept by a trigger so that
 * dashboard cost does not grow with the number of responses; its `shard` column spreads concurrent
 * submissions for the same survey/day/score over several rows so they never queue on one hot row.
 */
export class CreateCoreSchema1763800000000 implements MigrationInterface {
  name = 'CreateCoreSchema1763800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);

    await q.query(`
      CREATE TABLE settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        brand text NOT NULL DEFAULT 'Touchpoint',
        time_zone text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
        default_locale text NOT NULL DEFAULT 'vi' CHECK (default_locale IN ('vi', 'en')),
        recontact_days integer NOT NULL DEFAULT 30 CHECK (recontact_days BETWEEN 0 AND 365),
        reminder_days integer NOT NULL DEFAULT 3 CHECK (reminder_days BETWEEN 0 AND 60),
        digest_weekday smallint NOT NULL DEFAULT 1 CHECK (digest_weekday BETWEEN 1 AND 7),
        digest_hour smallint NOT NULL DEFAULT 8 CHECK (digest_hour BETWEEN 0 AND 23),
        digest_recipients text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO settings (id) VALUES (1)`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL DEFAULT '',
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
        locale text NOT NULL DEFAULT 'vi' CHECK (locale IN ('vi', 'en')),
        digest_opt_out boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_by uuid REFERENCES users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);

    await q.query(`
      CREATE TABLE stages (
        id serial PRIMARY KEY,
        key text NOT NULL UNIQUE,
        name_vi text NOT NULL,
        name_en text NOT NULL,
        position integer NOT NULL,
        framework jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    const stages: Array<[string, string, string, Record<string, { vi: string; en: string }>]> = [
      ['awareness', 'Nhận thức', 'Awareness', {
        actions: { vi: 'Thấy quảng cáo, nghe bạn bè giới thiệu, tìm kiếm trên mạng', en: 'Sees an ad, hears from a friend, searches online' },
        motivations: { vi: 'Có một nhu cầu hoặc vấn đề cần giải quyết', en: 'Has a need or a problem to solve' },
        questions: { vi: 'Thương hiệu này là ai? Có đáng tin không?', en: 'Who is this brand? Can I trust it?' },
        painPoints: { vi: 'Thông tin rời rạc, khó phân biệt với đối thủ', en: 'Scattered information, hard to tell apart from competitors' },
      }],
      ['consideration', 'Cân nhắc', 'Consideration', {
        actions: { vi: 'So sánh giá, đọc đánh giá, hỏi tư vấn', en: 'Compares prices, reads reviews, asks for advice' },
        motivations: { vi: 'Muốn chọn đúng, không lãng phí tiền', en: 'Wants the right choice without wasting money' },
        questions: { vi: 'Sản phẩm này có hợp với tôi không?', en: 'Is this product right for me?' },
        painPoints: { vi: 'Thiếu thông tin so sánh, phản hồi tư vấn chậm', en: 'Missing comparisons, slow answers from sales' },
      }],
      ['decision', 'Quyết định', 'Decision', {
        actions: { vi: 'Đặt hàng, thanh toán, ký hợp đồng', en: 'Orders, pays, signs up' },
        motivations: { vi: 'Mua nhanh, an toàn, đúng giá', en: 'A quick, safe purchase at a fair price' },
        questions: { vi: 'Thanh toán có an toàn không? Khi nào nhận hàng?', en: 'Is payment safe? When will it arrive?' },
        painPoints: { vi: 'Thủ tục rườm rà, phí phát sinh', en: 'Cumbersome checkout, unexpected fees' },
      }],
      ['retention', 'Giữ chân', 'Retention', {
        actions: { vi: 'Sử dụng sản phẩm, liên hệ hỗ trợ, mua lại', en: 'Uses the product, contacts support, buys again' },
        motivations: { vi: 'Nhận được giá trị như đã hứa', en: 'Getting the value that was promised' },
        questions: { vi: 'Ai sẽ giúp tôi khi có sự cố?', en: 'Who helps me when something goes wrong?' },
        painPoints: { vi: 'Chờ hỗ trợ lâu, phải giải thích lại nhiều lần', en: 'Long waits for support, repeating the story' },
      }],
      ['advocacy', 'Ủng hộ', 'Advocacy', {
        actions: { vi: 'Giới thiệu cho bạn bè, viết đánh giá, tham gia chương trình thành viên', en: 'Refers friends, writes reviews, joins the loyalty program' },
        motivations: { vi: 'Tự hào về lựa chọn, nhận ưu đãi', en: 'Pride in the choice, rewards' },
        questions: { vi: 'Tôi được gì khi giới thiệu?', en: 'What do I get for referring?' },
        painPoints: { vi: 'Chương trình giới thiệu khó dùng', en: 'A referral program that is hard to use' },
      }],
    ];
    for (const [i, [key, vi, en, framework]] of stages.entries()) {
      await q.query(`INSERT INTO stages (key, name_vi, name_en, position, framework) VALUES ($1, $2, $3, $4, $5)`,
        [key, vi, en, i + 1, JSON.stringify(framework)]);
    }

    await q.query(`
      CREATE TABLE touchpoints (
        id serial PRIMARY KEY,
        key text NOT NULL UNIQUE,
        stage_id integer NOT NULL REFERENCES stages(id) ON DELETE RESTRICT,
        name_vi text NOT NULL,
        name_en text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('website', 'email', 'social', 'phone', 'chat', 'store', 'office', 'loyalty', 'ads', 'other')),
        owner_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        position integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX touchpoints_stage_idx ON touchpoints (stage_id, position)`);

    await q.query(`
      CREATE TABLE surveys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('nps', 'csat', 'ces')),
        title text NOT NULL,
        touchpoint_id integer REFERENCES touchpoints(id) ON DELETE RESTRICT,
        stage_id integer REFERENCES stages(id) ON DELETE RESTRICT,
        question_vi text,
        question_en text,
        ask_comment boolean NOT NULL DEFAULT true,
        comment_prompt_vi text,
        comment_prompt_en text,
        thank_you_vi text,
        thank_you_en text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'closed')),
        recontact_days integer CHECK (recontact_days BETWEEN 0 AND 365),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (touchpoint_id IS NULL OR stage_id IS NULL)
      )`);
    await q.query(`CREATE INDEX surveys_touchpoint_idx ON surveys (touchpoint_id)`);
    await q.query(`CREATE INDEX surveys_stage_idx ON surveys (stage_id)`);

    await q.query(`
      CREATE TABLE contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        name text NOT NULL DEFAULT '',
        locale text NOT NULL DEFAULT 'vi' CHECK (locale IN ('vi', 'en')),
        attributes jsonb NOT NULL DEFAULT '{}',
        unsubscribed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email))`);
    await q.query(`CREATE INDEX contacts_attributes_idx ON contacts USING gin (attributes jsonb_path_ops)`);

    await q.query(`
      CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
        token text NOT NULL UNIQUE,
        channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'link', 'api')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
        error text,
        sent_at timestamptz,
        opened_at timestamptz,
        responded_at timestamptz,
        reminded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX invitations_survey_idx ON invitations (survey_id, created_at)`);
    await q.query(`CREATE INDEX invitations_contact_idx ON invitations (contact_id, created_at)`);

    await q.query(`
      CREATE TABLE responses (
        id bigserial PRIMARY KEY,
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        score smallint NOT NULL CHECK (score BETWEEN 0 AND 10),
        comment text,
        channel text NOT NULL CHECK (channel IN ('email', 'link', 'qr', 'api')),
        locale text NOT NULL CHECK (locale IN ('vi', 'en')),
        invitation_id uuid UNIQUE REFERENCES invitations(id) ON DELETE SET NULL,
        contact_id uuid REFERENCES contacts(id) ON DELETE SET NULL,
        submission_key text UNIQUE,
        hidden jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX responses_survey_created_idx ON responses (survey_id, created_at, id)`);
    await q.query(`CREATE INDEX responses_created_idx ON responses (created_at, id)`);
    await q.query(`CREATE INDEX responses_contact_idx ON responses (contact_id) WHERE contact_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE follow_ups (
        id bigserial PRIMARY KEY,
        response_id bigint NOT NULL UNIQUE REFERENCES responses(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'closed')),
        assignee_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        notes text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      )`);
    await q.query(`CREATE INDEX follow_ups_status_idx ON follow_ups (status, created_at)`);

    await q.query(`
      CREATE TABLE kpi_targets (
        id serial PRIMARY KEY,
        metric text NOT NULL CHECK (metric IN ('nps', 'csat', 'ces')),
        stage_id integer REFERENCES stages(id) ON DELETE CASCADE,
        touchpoint_id integer REFERENCES touchpoints(id) ON DELETE CASCADE,
        target numeric(6, 2) NOT NULL,
        CHECK (num_nonnulls(stage_id, touchpoint_id) <= 1)
      )`);
    await q.query(`CREATE UNIQUE INDEX kpi_targets_scope_key ON kpi_targets (metric, coalesce(stage_id, 0), coalesce(touchpoint_id, 0))`);

    // Per-day rollup in the organisation's time zone: (survey, day, channel, score) -> count, sharded.
    await q.query(`
      CREATE TABLE response_daily (
        survey_id uuid NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
        day date NOT NULL,
        channel text NOT NULL,
        score smallint NOT NULL,
        shard smallint NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (survey_id, day, channel, score, shard)
      )`);
    await q.query(`CREATE INDEX response_daily_day_idx ON response_daily (day)`);

    await q.query(`
      CREATE FUNCTION touchpoint_org_day(ts timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
        SELECT (ts AT TIME ZONE (SELECT time_zone FROM settings WHERE id = 1))::date
      $$`);
    await q.query(`
      CREATE FUNCTION response_daily_add(s uuid, d date, ch text, sc smallint, delta integer) RETURNS void
      LANGUAGE sql AS $$
        INSERT INTO response_daily (survey_id, day, channel, score, shard, count)
        VALUES (s, d, ch, sc, (pg_backend_pid() % 16)::smallint, delta)
        ON CONFLICT (survey_id, day, channel, score, shard) DO UPDATE SET count = response_daily.count + EXCLUDED.count
      $$`);
    await q.query(`
      CREATE FUNCTION response_daily_track() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          PERFORM response_daily_add(OLD.survey_id, touchpoint_org_day(OLD.created_at), OLD.channel, OLD.score, -1);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
          PERFORM response_daily_add(NEW.survey_id, touchpoint_org_day(NEW.created_at), NEW.channel, NEW.score, 1);
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER responses_rollup_ins_del AFTER INSERT OR DELETE ON responses
      FOR EACH ROW EXECUTE FUNCTION response_daily_track()`);
    await q.query(`
      CREATE TRIGGER responses_rollup_upd AFTER UPDATE OF survey_id, score, channel, created_at ON responses
      FOR EACH ROW WHEN (OLD.survey_id IS DISTINCT FROM NEW.survey_id OR OLD.score IS DISTINCT FROM NEW.score
        OR OLD.channel IS DISTINCT FROM NEW.channel OR OLD.created_at IS DISTINCT FROM NEW.created_at)
      EXECUTE FUNCTION response_daily_track()`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS responses_rollup_upd ON responses`);
    await q.query(`DROP TRIGGER IF EXISTS responses_rollup_ins_del ON responses`);
    await q.query(`DROP FUNCTION IF EXISTS response_daily_track()`);
    await q.query(`DROP FUNCTION IF EXISTS response_daily_add(uuid, date, text, smallint, integer)`);
    await q.query(`DROP FUNCTION IF EXISTS touchpoint_org_day(timestamptz)`);
    for (const table of ['response_daily', 'kpi_targets', 'follow_ups', 'responses', 'invitations', 'contacts',
      'surveys', 'touchpoints', 'stages', 'api_keys', 'users', 'settings']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
