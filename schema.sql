-- schema.sql: the one source of the clankers database schema. The binary
-- embeds this file at build time. Each "-- version N" line starts the
-- migration that takes a database from version N-1 to N (PRAGMA
-- user_version); a new database runs them all, in order, inside one
-- BEGIN IMMEDIATE. Never edit a released version: add a new one below.
--
-- Times are integer milliseconds since the epoch, UTC. Token counts are
-- NULL until known (never a made-up 0); cost_usd is NULL when a model has
-- no price.

-- version 1
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,                 -- 'claude-code', 'opencode'
  title TEXT,
  title_source TEXT,                    -- 'prompt' (first real prompt), 'client', 'summary'
  title_at INTEGER,                     -- receipt time of the event that gave the title
  project_path TEXT,                    -- where the agent ran ($CLAUDE_PROJECT_DIR, else first cwd)
  project_name TEXT,                    -- the repository's name, else the folder's
  repo_root TEXT,                       -- nearest enclosing git work tree
  git_branch TEXT,
  cwd TEXT,                             -- latest working directory seen
  hostname TEXT,
  model TEXT,
  provider TEXT,
  status TEXT NOT NULL DEFAULT 'active', -- 'active', 'ended'
  permission_mode TEXT,
  transcript_path TEXT,
  start_source TEXT,                    -- SessionStart source: startup, resume, clear, compact, fork
  end_reason TEXT,                      -- SessionEnd reason
  client_version TEXT,
  agent_type TEXT,                      -- --agent name of the main thread
  input_tokens INTEGER,
  output_tokens INTEGER,
  cache_creation_input_tokens INTEGER,
  cache_read_input_tokens INTEGER,
  prompt_tokens INTEGER,                -- the three input kinds summed
  completion_tokens INTEGER,            -- = output_tokens
  cost_usd REAL,
  message_count INTEGER,                -- derived: count of messages rows; NULL until read
  tool_call_count INTEGER NOT NULL DEFAULT 0, -- derived: count of tools rows
  last_event TEXT,
  last_start_at INTEGER,                -- latest SessionStart
  last_end_at INTEGER,                  -- latest SessionEnd
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  ended_at INTEGER                      -- set while status is 'ended'
);
CREATE INDEX sessions_updated ON sessions(updated_at);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,                  -- Claude: message.id / user uuid; OpenCode: msg_...
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  role TEXT NOT NULL,                   -- 'user', 'assistant'
  text_content TEXT,
  model TEXT,
  source TEXT NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cache_creation_input_tokens INTEGER,
  cache_read_input_tokens INTEGER,
  is_sidechain INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER,
  created_at INTEGER,
  completed_at INTEGER
);
CREATE INDEX messages_session ON messages(session_id);

CREATE TABLE tools (
  id TEXT PRIMARY KEY,                  -- Claude: tool_use_id; OpenCode: the tool part id
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  message_id TEXT,
  source TEXT NOT NULL,
  agent_id TEXT,                        -- set when a subagent made the call
  tool_name TEXT,
  tool_input TEXT,                      -- JSON, whole
  tool_output TEXT,                     -- text or JSON, cut at the output limit
  tool_output_bytes INTEGER,            -- size before the cut
  tool_output_truncated INTEGER NOT NULL DEFAULT 0,
  file_path TEXT,                       -- for file tools
  status TEXT NOT NULL DEFAULT 'running', -- 'running', 'ok', 'error'
  success INTEGER,                      -- 1 ok, 0 error, NULL running
  error_message TEXT,
  not_run INTEGER NOT NULL DEFAULT 0,   -- 1: closed by PostToolBatch with no Post (denied, invalid)
  is_interrupt INTEGER,
  started_at INTEGER,                   -- PreToolUse received
  ended_at INTEGER,                     -- PostToolUse(Failure) received
  reported_duration_ms INTEGER,         -- the client's own figure (Claude Code 2.1.119+)
  duration_ms INTEGER GENERATED ALWAYS AS (
    CASE WHEN started_at IS NOT NULL AND ended_at IS NOT NULL
         THEN MAX(ended_at - started_at, 0)
         ELSE reported_duration_ms END) VIRTUAL,
  created_at INTEGER NOT NULL
);
CREATE INDEX tools_session ON tools(session_id);

CREATE TABLE session_errors (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event_key TEXT NOT NULL UNIQUE,       -- makes a repeated event one row
  error_type TEXT,                      -- StopFailure error: rate_limit, overloaded, ...
  error_message TEXT,
  error_details TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX session_errors_session ON session_errors(session_id);

CREATE TABLE compaction_events (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event_key TEXT NOT NULL UNIQUE,
  phase TEXT NOT NULL,                  -- 'pre', 'post'
  trigger TEXT,                         -- 'manual', 'auto'
  custom_instructions TEXT,
  summary TEXT,                         -- PostCompact compact_summary
  created_at INTEGER NOT NULL
);
CREATE INDEX compaction_events_session ON compaction_events(session_id);

-- One row per hook invocation that reached the database (directly or
-- through the spool): what `clankers report` checks the logs against.
CREATE TABLE hook_events (
  id INTEGER PRIMARY KEY,
  invocation TEXT NOT NULL UNIQUE,      -- also in the invocation's log line
  session_id TEXT,
  source TEXT NOT NULL,
  event TEXT NOT NULL,
  tool_use_id TEXT,
  agent_id TEXT,
  prompt_id TEXT,
  known INTEGER NOT NULL,               -- 0 for an event name clankers does not know
  spooled INTEGER NOT NULL DEFAULT 0,   -- 1 when it came through the spool
  received_at INTEGER NOT NULL
);
CREATE INDEX hook_events_session ON hook_events(session_id);
CREATE INDEX hook_events_received ON hook_events(received_at);

-- version 2
-- The transcript reader: what each response cost, and how far each
-- transcript file has been read.
ALTER TABLE sessions ADD COLUMN models TEXT;          -- derived: the models of its responses, in order of first use
ALTER TABLE sessions ADD COLUMN bad_lines INTEGER;    -- derived: transcript lines that could not be read
ALTER TABLE sessions ADD COLUMN responses INTEGER NOT NULL DEFAULT 0;           -- derived: assistant messages
ALTER TABLE sessions ADD COLUMN unpriced_responses INTEGER NOT NULL DEFAULT 0;  -- derived: of them, with no price
ALTER TABLE sessions ADD COLUMN known_cost_usd REAL NOT NULL DEFAULT 0;         -- derived: the cost of the priced ones
ALTER TABLE messages ADD COLUMN request_id TEXT;      -- Claude: requestId of the response
ALTER TABLE messages ADD COLUMN agent_id TEXT;        -- the subagent that wrote it
ALTER TABLE messages ADD COLUMN cache_creation_1h_tokens INTEGER;  -- the 1-hour part of cache_creation_input_tokens
ALTER TABLE messages ADD COLUMN speed TEXT;           -- usage.speed: 'fast' costs more
ALTER TABLE messages ADD COLUMN stop_reason TEXT;
ALTER TABLE messages ADD COLUMN cost_usd REAL;        -- NULL when the model has no price
-- Covers the count of a session's totals: reading it touches no message text.
CREATE INDEX messages_usage ON messages(session_id, role, model, is_sidechain,
  created_at, input_tokens, output_tokens, cache_creation_input_tokens,
  cache_read_input_tokens, cost_usd);

-- One row per transcript file (a session's main file and each subagent
-- file): where the next read starts, and what tells a file that was
-- truncated or replaced since (then it is read again from the start).
CREATE TABLE transcript_files (
  path TEXT PRIMARY KEY,                -- resolved, absolute
  session_id TEXT NOT NULL,
  agent_id TEXT,
  dev INTEGER,
  ino INTEGER,
  size INTEGER NOT NULL DEFAULT 0,      -- size when last read
  offset INTEGER NOT NULL DEFAULT 0,    -- bytes read: always just after a newline
  head_hash TEXT,                       -- of the first 4 KiB before offset
  tail_hash TEXT,                       -- of the last 4 KiB before offset
  lines INTEGER NOT NULL DEFAULT 0,     -- lines read since the start of the file
  bad_lines INTEGER NOT NULL DEFAULT 0,
  open_message TEXT,                    -- the response of the last line read: its next line continues it
  request_at INTEGER,                   -- time of the last user line: when the next response was asked for
  prompt_id TEXT,                       -- the last prompt, for the turn's duration
  last_at INTEGER,                      -- the last timestamp read
  reads INTEGER NOT NULL DEFAULT 0,
  rewinds INTEGER NOT NULL DEFAULT 0,   -- times the file had to be read again from the start
  read_at INTEGER                       -- when it was last read
);
CREATE INDEX transcript_files_session ON transcript_files(session_id);

-- A session's totals follow its rows: each insert, change and delete of a
-- message or tool adds or takes away exactly its own figures, in the same
-- transaction. So they are always the sum of the rows (never added to
-- blindly: a replay that changes no row changes no total), and a Stop on a
-- long session costs what its new lines cost, not a count of all its rows.
CREATE TRIGGER messages_counted AFTER INSERT ON messages BEGIN
  UPDATE sessions SET
    message_count = COALESCE(message_count, 0) + 1,
    responses = responses + (NEW.role = 'assistant'),
    input_tokens = CASE WHEN NEW.input_tokens IS NULL THEN input_tokens
      ELSE COALESCE(input_tokens, 0) + NEW.input_tokens END,
    output_tokens = CASE WHEN NEW.output_tokens IS NULL THEN output_tokens
      ELSE COALESCE(output_tokens, 0) + NEW.output_tokens END,
    completion_tokens = CASE WHEN NEW.output_tokens IS NULL THEN completion_tokens
      ELSE COALESCE(completion_tokens, 0) + NEW.output_tokens END,
    cache_creation_input_tokens = CASE WHEN NEW.cache_creation_input_tokens IS NULL
      THEN cache_creation_input_tokens
      ELSE COALESCE(cache_creation_input_tokens, 0) + NEW.cache_creation_input_tokens END,
    cache_read_input_tokens = CASE WHEN NEW.cache_read_input_tokens IS NULL
      THEN cache_read_input_tokens
      ELSE COALESCE(cache_read_input_tokens, 0) + NEW.cache_read_input_tokens END,
    prompt_tokens = CASE WHEN COALESCE(NEW.input_tokens, NEW.cache_creation_input_tokens,
        NEW.cache_read_input_tokens) IS NULL THEN prompt_tokens
      ELSE COALESCE(prompt_tokens, 0) + COALESCE(NEW.input_tokens, 0)
        + COALESCE(NEW.cache_creation_input_tokens, 0)
        + COALESCE(NEW.cache_read_input_tokens, 0) END,
    unpriced_responses = unpriced_responses
      + (NEW.role = 'assistant' AND NEW.cost_usd IS NULL),
    known_cost_usd = known_cost_usd + COALESCE(NEW.cost_usd, 0),
    cost_usd = CASE WHEN unpriced_responses
        + (NEW.role = 'assistant' AND NEW.cost_usd IS NULL) = 0
        AND responses + (NEW.role = 'assistant') > 0
      THEN known_cost_usd + COALESCE(NEW.cost_usd, 0) END,
    models = CASE WHEN NEW.role = 'assistant' AND NEW.model IS NOT NULL
        AND NEW.model <> '<synthetic>'
        AND instr(',' || COALESCE(models, '') || ',', ',' || NEW.model || ',') = 0
      THEN COALESCE(models || ',', '') || NEW.model ELSE models END,
    model = COALESCE(model, CASE WHEN NEW.role = 'assistant' AND NEW.is_sidechain = 0
      AND NEW.model <> '<synthetic>' THEN NEW.model END)
  WHERE id = NEW.session_id;
END;
CREATE TRIGGER messages_uncounted AFTER DELETE ON messages BEGIN
  UPDATE sessions SET
    message_count = message_count - 1,
    responses = responses - (OLD.role = 'assistant'),
    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0),
    output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0),
    completion_tokens = completion_tokens - COALESCE(OLD.output_tokens, 0),
    cache_creation_input_tokens = cache_creation_input_tokens
      - COALESCE(OLD.cache_creation_input_tokens, 0),
    cache_read_input_tokens = cache_read_input_tokens
      - COALESCE(OLD.cache_read_input_tokens, 0),
    prompt_tokens = prompt_tokens - COALESCE(OLD.input_tokens, 0)
      - COALESCE(OLD.cache_creation_input_tokens, 0)
      - COALESCE(OLD.cache_read_input_tokens, 0),
    unpriced_responses = unpriced_responses
      - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL),
    known_cost_usd = known_cost_usd - COALESCE(OLD.cost_usd, 0),
    cost_usd = CASE WHEN unpriced_responses
        - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL) = 0
        AND responses - (OLD.role = 'assistant') > 0
      THEN known_cost_usd - COALESCE(OLD.cost_usd, 0) END
  WHERE id = OLD.session_id;
END;
-- Only a change of a counted figure: an unchanged replay does no float
-- arithmetic that could move the cost by a rounding step.
CREATE TRIGGER messages_recounted AFTER UPDATE ON messages
  WHEN OLD.session_id IS NOT NEW.session_id OR OLD.role IS NOT NEW.role
    OR OLD.input_tokens IS NOT NEW.input_tokens OR OLD.output_tokens IS NOT NEW.output_tokens
    OR OLD.cache_creation_input_tokens IS NOT NEW.cache_creation_input_tokens
    OR OLD.cache_read_input_tokens IS NOT NEW.cache_read_input_tokens
    OR OLD.cost_usd IS NOT NEW.cost_usd OR OLD.model IS NOT NEW.model
    OR OLD.is_sidechain IS NOT NEW.is_sidechain
BEGIN
  UPDATE sessions SET
    message_count = message_count - 1,
    responses = responses - (OLD.role = 'assistant'),
    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0),
    output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0),
    completion_tokens = completion_tokens - COALESCE(OLD.output_tokens, 0),
    cache_creation_input_tokens = cache_creation_input_tokens
      - COALESCE(OLD.cache_creation_input_tokens, 0),
    cache_read_input_tokens = cache_read_input_tokens
      - COALESCE(OLD.cache_read_input_tokens, 0),
    prompt_tokens = prompt_tokens - COALESCE(OLD.input_tokens, 0)
      - COALESCE(OLD.cache_creation_input_tokens, 0)
      - COALESCE(OLD.cache_read_input_tokens, 0),
    unpriced_responses = unpriced_responses
      - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL),
    known_cost_usd = known_cost_usd - COALESCE(OLD.cost_usd, 0),
    cost_usd = CASE WHEN unpriced_responses
        - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL) = 0
        AND responses - (OLD.role = 'assistant') > 0
      THEN known_cost_usd - COALESCE(OLD.cost_usd, 0) END
  WHERE id = OLD.session_id;
  UPDATE sessions SET
    message_count = COALESCE(message_count, 0) + 1,
    responses = responses + (NEW.role = 'assistant'),
    input_tokens = CASE WHEN NEW.input_tokens IS NULL THEN input_tokens
      ELSE COALESCE(input_tokens, 0) + NEW.input_tokens END,
    output_tokens = CASE WHEN NEW.output_tokens IS NULL THEN output_tokens
      ELSE COALESCE(output_tokens, 0) + NEW.output_tokens END,
    completion_tokens = CASE WHEN NEW.output_tokens IS NULL THEN completion_tokens
      ELSE COALESCE(completion_tokens, 0) + NEW.output_tokens END,
    cache_creation_input_tokens = CASE WHEN NEW.cache_creation_input_tokens IS NULL
      THEN cache_creation_input_tokens
      ELSE COALESCE(cache_creation_input_tokens, 0) + NEW.cache_creation_input_tokens END,
    cache_read_input_tokens = CASE WHEN NEW.cache_read_input_tokens IS NULL
      THEN cache_read_input_tokens
      ELSE COALESCE(cache_read_input_tokens, 0) + NEW.cache_read_input_tokens END,
    prompt_tokens = CASE WHEN COALESCE(NEW.input_tokens, NEW.cache_creation_input_tokens,
        NEW.cache_read_input_tokens) IS NULL THEN prompt_tokens
      ELSE COALESCE(prompt_tokens, 0) + COALESCE(NEW.input_tokens, 0)
        + COALESCE(NEW.cache_creation_input_tokens, 0)
        + COALESCE(NEW.cache_read_input_tokens, 0) END,
    unpriced_responses = unpriced_responses
      + (NEW.role = 'assistant' AND NEW.cost_usd IS NULL),
    known_cost_usd = known_cost_usd + COALESCE(NEW.cost_usd, 0),
    cost_usd = CASE WHEN unpriced_responses
        + (NEW.role = 'assistant' AND NEW.cost_usd IS NULL) = 0
        AND responses + (NEW.role = 'assistant') > 0
      THEN known_cost_usd + COALESCE(NEW.cost_usd, 0) END,
    models = CASE WHEN NEW.role = 'assistant' AND NEW.model IS NOT NULL
        AND NEW.model <> '<synthetic>'
        AND instr(',' || COALESCE(models, '') || ',', ',' || NEW.model || ',') = 0
      THEN COALESCE(models || ',', '') || NEW.model ELSE models END,
    model = COALESCE(model, CASE WHEN NEW.role = 'assistant' AND NEW.is_sidechain = 0
      AND NEW.model <> '<synthetic>' THEN NEW.model END)
  WHERE id = NEW.session_id;
END;
CREATE TRIGGER tools_counted AFTER INSERT ON tools BEGIN
  UPDATE sessions SET tool_call_count = tool_call_count + 1 WHERE id = NEW.session_id;
END;
CREATE TRIGGER tools_uncounted AFTER DELETE ON tools BEGIN
  UPDATE sessions SET tool_call_count = tool_call_count - 1 WHERE id = OLD.session_id;
END;
CREATE TRIGGER tools_moved AFTER UPDATE OF session_id ON tools
  WHEN OLD.session_id IS NOT NEW.session_id
BEGIN
  UPDATE sessions SET tool_call_count = tool_call_count - 1 WHERE id = OLD.session_id;
  UPDATE sessions SET tool_call_count = tool_call_count + 1 WHERE id = NEW.session_id;
END;

-- Per-model figures of each session: one session can use several models.
CREATE VIEW session_models AS
  SELECT session_id, model,
         count(*) AS responses,
         sum(input_tokens) AS input_tokens,
         sum(output_tokens) AS output_tokens,
         sum(cache_creation_input_tokens) AS cache_creation_input_tokens,
         sum(cache_read_input_tokens) AS cache_read_input_tokens,
         CASE WHEN count(cost_usd) = count(*) THEN sum(cost_usd) END AS cost_usd
    FROM messages
   WHERE role = 'assistant'
   GROUP BY session_id, model;

-- version 3
-- `clankers report` reads every tool row of its period: this index holds
-- all it reads (never the input or output), so that a million calls are
-- read from the index alone. It leads with session_id and so takes the
-- place of tools_session.
DROP INDEX tools_session;
CREATE INDEX tools_stats ON tools(session_id, created_at, tool_name, status,
  started_at, ended_at, reported_duration_ms, file_path);
-- What report's gaps look for, a few rows at any time: tool calls still
-- running, sessions missing a field, sessions with an unpriced response.
-- Each query repeats its index's WHERE, so that SQLite can use it.
CREATE INDEX tools_running ON tools(session_id) WHERE status = 'running';
CREATE INDEX sessions_incomplete ON sessions(updated_at)
  WHERE (model IS NULL AND models IS NULL) OR project_path IS NULL OR title IS NULL
    OR (input_tokens IS NULL AND output_tokens IS NULL) OR bad_lines > 0;
CREATE INDEX sessions_unpriced ON sessions(id) WHERE unpriced_responses > 0;

-- Per session, UTC day and model: what its messages and tool calls add up
-- to, kept by triggers as the sessions' totals are, so that a report over
-- a million rows reads one row per session and day. Tool calls and user
-- messages have model ''. Rows without a time (created_at NULL) are not
-- in it. day is created_at / 86400000 (rounded toward zero, as report
-- does); last_at is the newest row's time (found again when that row moves
-- or goes).
CREATE TABLE usage_days (
  session_id TEXT NOT NULL,
  day INTEGER NOT NULL,                 -- created_at / 86400000: days since 1970-01-01, UTC
  model TEXT NOT NULL,
  messages INTEGER NOT NULL DEFAULT 0,
  responses INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER,                 -- NULL until a message brings a count
  output_tokens INTEGER,
  cache_creation_input_tokens INTEGER,
  cache_read_input_tokens INTEGER,
  priced_responses INTEGER NOT NULL DEFAULT 0,
  unpriced_responses INTEGER NOT NULL DEFAULT 0,
  known_cost_usd REAL NOT NULL DEFAULT 0,
  tool_calls INTEGER NOT NULL DEFAULT 0,
  last_at INTEGER,
  PRIMARY KEY (session_id, day, model)
) WITHOUT ROWID;
INSERT INTO usage_days (session_id, day, model, messages, responses, input_tokens,
    output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
    priced_responses, unpriced_responses, known_cost_usd, last_at)
  SELECT session_id, created_at / 86400000, coalesce(model, ''), count(*),
    sum(role = 'assistant'), sum(input_tokens), sum(output_tokens),
    sum(cache_creation_input_tokens), sum(cache_read_input_tokens),
    sum(cost_usd IS NOT NULL), sum(role = 'assistant' AND cost_usd IS NULL),
    total(cost_usd), max(created_at)
  FROM messages WHERE created_at IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO usage_days (session_id, day, model, tool_calls, last_at)
  SELECT session_id, created_at / 86400000, '', count(*), max(created_at)
  FROM tools WHERE true GROUP BY 1, 2
  ON CONFLICT (session_id, day, model) DO UPDATE SET
    tool_calls = excluded.tool_calls, last_at = max(last_at, excluded.last_at);

CREATE TRIGGER messages_days AFTER INSERT ON messages WHEN NEW.created_at IS NOT NULL BEGIN
  INSERT INTO usage_days (session_id, day, model, messages, responses, input_tokens,
      output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
      priced_responses, unpriced_responses, known_cost_usd, last_at)
    VALUES (NEW.session_id, NEW.created_at / 86400000, coalesce(NEW.model, ''), 1,
      NEW.role = 'assistant', NEW.input_tokens, NEW.output_tokens,
      NEW.cache_creation_input_tokens, NEW.cache_read_input_tokens,
      NEW.cost_usd IS NOT NULL, NEW.role = 'assistant' AND NEW.cost_usd IS NULL,
      coalesce(NEW.cost_usd, 0), NEW.created_at)
    ON CONFLICT (session_id, day, model) DO UPDATE SET
      messages = messages + 1,
      responses = responses + excluded.responses,
      input_tokens = coalesce(input_tokens + excluded.input_tokens, input_tokens, excluded.input_tokens),
      output_tokens = coalesce(output_tokens + excluded.output_tokens, output_tokens, excluded.output_tokens),
      cache_creation_input_tokens = coalesce(cache_creation_input_tokens + excluded.cache_creation_input_tokens, cache_creation_input_tokens, excluded.cache_creation_input_tokens),
      cache_read_input_tokens = coalesce(cache_read_input_tokens + excluded.cache_read_input_tokens, cache_read_input_tokens, excluded.cache_read_input_tokens),
      priced_responses = priced_responses + excluded.priced_responses,
      unpriced_responses = unpriced_responses + excluded.unpriced_responses,
      known_cost_usd = known_cost_usd + excluded.known_cost_usd,
      last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at);
END;
CREATE TRIGGER messages_undays AFTER DELETE ON messages WHEN OLD.created_at IS NOT NULL BEGIN
  UPDATE usage_days SET
    messages = messages - 1,
    responses = responses - (OLD.role = 'assistant'),
    input_tokens = input_tokens - coalesce(OLD.input_tokens, 0),
    output_tokens = output_tokens - coalesce(OLD.output_tokens, 0),
    cache_creation_input_tokens = cache_creation_input_tokens
      - coalesce(OLD.cache_creation_input_tokens, 0),
    cache_read_input_tokens = cache_read_input_tokens - coalesce(OLD.cache_read_input_tokens, 0),
    priced_responses = priced_responses - (OLD.cost_usd IS NOT NULL),
    unpriced_responses = unpriced_responses - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL),
    known_cost_usd = known_cost_usd - coalesce(OLD.cost_usd, 0)
  WHERE session_id = OLD.session_id AND day = OLD.created_at / 86400000
    AND model = coalesce(OLD.model, '');
  -- last_at again, when the row that set it moved or went
  UPDATE usage_days SET last_at = (SELECT max(t) FROM (
      SELECT max(created_at) AS t FROM messages WHERE session_id = OLD.session_id
        AND coalesce(model, '') = usage_days.model
        AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000
      UNION ALL SELECT max(created_at) FROM tools WHERE usage_days.model = ''
        AND session_id = OLD.session_id AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000))
  WHERE OLD.created_at IS NOT NULL AND session_id = OLD.session_id
    AND day = OLD.created_at / 86400000 AND model = coalesce(OLD.model, '') AND last_at = OLD.created_at;
END;
-- A change of what the days count: the old row's part out, the new one's in.
CREATE TRIGGER messages_redays AFTER UPDATE ON messages
  WHEN OLD.session_id IS NOT NEW.session_id OR OLD.role IS NOT NEW.role
    OR OLD.input_tokens IS NOT NEW.input_tokens OR OLD.output_tokens IS NOT NEW.output_tokens
    OR OLD.cache_creation_input_tokens IS NOT NEW.cache_creation_input_tokens
    OR OLD.cache_read_input_tokens IS NOT NEW.cache_read_input_tokens
    OR OLD.cost_usd IS NOT NEW.cost_usd OR OLD.model IS NOT NEW.model
    OR OLD.created_at IS NOT NEW.created_at
BEGIN
  UPDATE usage_days SET
    messages = messages - 1,
    responses = responses - (OLD.role = 'assistant'),
    input_tokens = input_tokens - coalesce(OLD.input_tokens, 0),
    output_tokens = output_tokens - coalesce(OLD.output_tokens, 0),
    cache_creation_input_tokens = cache_creation_input_tokens
      - coalesce(OLD.cache_creation_input_tokens, 0),
    cache_read_input_tokens = cache_read_input_tokens - coalesce(OLD.cache_read_input_tokens, 0),
    priced_responses = priced_responses - (OLD.cost_usd IS NOT NULL),
    unpriced_responses = unpriced_responses - (OLD.role = 'assistant' AND OLD.cost_usd IS NULL),
    known_cost_usd = known_cost_usd - coalesce(OLD.cost_usd, 0)
  WHERE OLD.created_at IS NOT NULL AND session_id = OLD.session_id
    AND day = OLD.created_at / 86400000 AND model = coalesce(OLD.model, '');
  -- last_at again, when the row that set it moved or went
  UPDATE usage_days SET last_at = (SELECT max(t) FROM (
      SELECT max(created_at) AS t FROM messages WHERE session_id = OLD.session_id
        AND coalesce(model, '') = usage_days.model
        AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000
      UNION ALL SELECT max(created_at) FROM tools WHERE usage_days.model = ''
        AND session_id = OLD.session_id AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000))
  WHERE OLD.created_at IS NOT NULL AND session_id = OLD.session_id
    AND day = OLD.created_at / 86400000 AND model = coalesce(OLD.model, '') AND last_at = OLD.created_at;
  INSERT INTO usage_days (session_id, day, model, messages, responses, input_tokens,
      output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
      priced_responses, unpriced_responses, known_cost_usd, last_at)
    SELECT NEW.session_id, NEW.created_at / 86400000, coalesce(NEW.model, ''), 1,
      NEW.role = 'assistant', NEW.input_tokens, NEW.output_tokens,
      NEW.cache_creation_input_tokens, NEW.cache_read_input_tokens,
      NEW.cost_usd IS NOT NULL, NEW.role = 'assistant' AND NEW.cost_usd IS NULL,
      coalesce(NEW.cost_usd, 0), NEW.created_at
    WHERE NEW.created_at IS NOT NULL
    ON CONFLICT (session_id, day, model) DO UPDATE SET
      messages = messages + 1,
      responses = responses + excluded.responses,
      input_tokens = coalesce(input_tokens + excluded.input_tokens, input_tokens, excluded.input_tokens),
      output_tokens = coalesce(output_tokens + excluded.output_tokens, output_tokens, excluded.output_tokens),
      cache_creation_input_tokens = coalesce(cache_creation_input_tokens + excluded.cache_creation_input_tokens, cache_creation_input_tokens, excluded.cache_creation_input_tokens),
      cache_read_input_tokens = coalesce(cache_read_input_tokens + excluded.cache_read_input_tokens, cache_read_input_tokens, excluded.cache_read_input_tokens),
      priced_responses = priced_responses + excluded.priced_responses,
      unpriced_responses = unpriced_responses + excluded.unpriced_responses,
      known_cost_usd = known_cost_usd + excluded.known_cost_usd,
      last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at);
END;
CREATE TRIGGER tools_days AFTER INSERT ON tools BEGIN
  INSERT INTO usage_days (session_id, day, model, tool_calls, last_at)
    VALUES (NEW.session_id, NEW.created_at / 86400000, '', 1, NEW.created_at)
    ON CONFLICT (session_id, day, model) DO UPDATE SET
      tool_calls = tool_calls + 1,
      last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at);
END;
CREATE TRIGGER tools_undays AFTER DELETE ON tools BEGIN
  UPDATE usage_days SET tool_calls = tool_calls - 1
  WHERE session_id = OLD.session_id AND day = OLD.created_at / 86400000 AND model = '';
  -- last_at again, when the row that set it moved or went
  UPDATE usage_days SET last_at = (SELECT max(t) FROM (
      SELECT max(created_at) AS t FROM messages WHERE session_id = OLD.session_id
        AND coalesce(model, '') = usage_days.model
        AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000
      UNION ALL SELECT max(created_at) FROM tools WHERE usage_days.model = ''
        AND session_id = OLD.session_id AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000))
  WHERE OLD.created_at IS NOT NULL AND session_id = OLD.session_id
    AND day = OLD.created_at / 86400000 AND model = '' AND last_at = OLD.created_at;
END;
CREATE TRIGGER tools_redays AFTER UPDATE OF session_id, created_at ON tools
  WHEN OLD.session_id IS NOT NEW.session_id OR OLD.created_at IS NOT NEW.created_at
BEGIN
  UPDATE usage_days SET tool_calls = tool_calls - 1
  WHERE session_id = OLD.session_id AND day = OLD.created_at / 86400000 AND model = '';
  -- last_at again, when the row that set it moved or went
  UPDATE usage_days SET last_at = (SELECT max(t) FROM (
      SELECT max(created_at) AS t FROM messages WHERE session_id = OLD.session_id
        AND coalesce(model, '') = usage_days.model
        AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000
      UNION ALL SELECT max(created_at) FROM tools WHERE usage_days.model = ''
        AND session_id = OLD.session_id AND created_at >= usage_days.day * 86400000
        AND created_at < (usage_days.day + 1) * 86400000))
  WHERE OLD.created_at IS NOT NULL AND session_id = OLD.session_id
    AND day = OLD.created_at / 86400000 AND model = '' AND last_at = OLD.created_at;
  INSERT INTO usage_days (session_id, day, model, tool_calls, last_at)
    VALUES (NEW.session_id, NEW.created_at / 86400000, '', 1, NEW.created_at)
    ON CONFLICT (session_id, day, model) DO UPDATE SET
      tool_calls = tool_calls + 1,
      last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at);
END;

-- version 4
-- messages_usage leads with session_id, so it already finds a session's
-- messages (and serves the ON DELETE CASCADE from sessions): a second
-- index on session_id alone only cost every insert of a message.
DROP INDEX messages_session;

-- version 5
-- A second agent (OpenCode): subagent sessions name their parent; a
-- response keeps its provider, its reasoning tokens (OpenCode counts them
-- apart from output_tokens) and the cost the agent computed itself; the
-- session's model follows its latest response (model_at).
ALTER TABLE sessions ADD COLUMN parent_id TEXT;       -- the session that started this one (a subagent's)
ALTER TABLE sessions ADD COLUMN model_at INTEGER;     -- when the session's model was last said
ALTER TABLE messages ADD COLUMN provider TEXT;
ALTER TABLE messages ADD COLUMN reasoning_tokens INTEGER;  -- not inside output_tokens
ALTER TABLE messages ADD COLUMN agent_cost_usd REAL;  -- the agent's own figure, the largest seen; NULL: none

-- version 6
-- Claude Code 2.1.332: a response's thinking tokens (inside output_tokens,
-- never priced again), a prompt the client injected (a background agent's
-- <task-notification>), what the user decided on a tool's permission
-- prompt, the background agent an Agent call launched, the model switches,
-- and the client's own running totals (cost-state lines), which include
-- calls that no assistant line records (the /compact summary).
ALTER TABLE messages ADD COLUMN thinking_tokens INTEGER;   -- inside output_tokens
ALTER TABLE messages ADD COLUMN is_notification INTEGER NOT NULL DEFAULT 0;  -- 1: injected by the client, not typed
ALTER TABLE tools ADD COLUMN permission TEXT;              -- 'asked', 'allowed', 'denied'; NULL: no prompt
ALTER TABLE tools ADD COLUMN launched_agent_id TEXT;       -- Agent run in the background: its agent_id
CREATE INDEX tools_launched ON tools(session_id, launched_agent_id)
  WHERE launched_agent_id IS NOT NULL;
-- report's one pass over the tools reads the permission too (a denied call
-- is no failure of the tool): the covering index gains it.
DROP INDEX tools_stats;
CREATE INDEX tools_stats ON tools(session_id, created_at, tool_name, status,
  started_at, ended_at, reported_duration_ms, file_path, permission);
CREATE TABLE model_switches (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  event_key TEXT NOT NULL UNIQUE,       -- Pre and Post of one switch are one row
  from_model TEXT,
  to_model TEXT,
  requested_model TEXT,
  switch_source TEXT,                   -- 'command', ...
  done INTEGER NOT NULL DEFAULT 0,      -- 1: PostModelSwitch seen
  created_at INTEGER NOT NULL
);
CREATE INDEX model_switches_session ON model_switches(session_id);
-- The client's own running totals per model (the largest seen of each):
-- its figure, never mixed into the per-response rows of messages.
CREATE TABLE client_usage (
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  input_tokens INTEGER,
  output_tokens INTEGER,
  thinking_tokens INTEGER,
  cache_creation_input_tokens INTEGER,
  cache_read_input_tokens INTEGER,
  cost_usd REAL,
  updated_at INTEGER,
  PRIMARY KEY (session_id, model)
);
ALTER TABLE sessions ADD COLUMN client_cost_usd REAL;     -- the client's totalCostUSD, the largest seen
-- Each Agent call that ran its agent in the background, with the agent's
-- run: the call's status and times are the agent's, its responses' tokens
-- and cost the agent's (the subagent's messages rows).
CREATE VIEW background_agents AS
  SELECT t.session_id, t.id AS tool_use_id, t.launched_agent_id AS agent_id,
    t.status, t.started_at, t.ended_at, t.duration_ms,
    count(m.id) AS responses, sum(m.input_tokens) AS input_tokens,
    sum(m.output_tokens) AS output_tokens,
    sum(m.cache_creation_input_tokens) AS cache_creation_input_tokens,
    sum(m.cache_read_input_tokens) AS cache_read_input_tokens,
    sum(m.cost_usd) AS cost_usd
  FROM tools t LEFT JOIN messages m ON m.session_id = t.session_id
    AND m.agent_id = t.launched_agent_id AND m.role = 'assistant'
  WHERE t.launched_agent_id IS NOT NULL
  GROUP BY t.id;
