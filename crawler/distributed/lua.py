"""The Redis scripts of a distributed run: each one step that must be atomic across workers.

Keys of run R live under P = "<prefix>:run:<R>" (see `pipelines.relay.Keys`):
    P:q:<host>     sorted set: the host's queued requests (member "seq:request", score -priority·1e12 + seq)
    P:hosts        sorted set: hosts with queued requests, in the order workers should take them
    P:count        requests queued (all hosts)            P:seq   request sequence numbers
    P:inflight:<W> hash seq → "host\nscore\nmember": what worker W took and has not finished
    P:state        hash W → running | idle | ended | killed            P:alive:<W>  W's heartbeat (expires)
    P:claims       hash sha256 → URL: which copy of a cross-posted document this run keeps
and, for all runs, <prefix>:hostnext: host → when it may be asked next (politeness is per host, whoever asks).
Times are Redis's own clock (TIME), so machines with skewed clocks still space requests correctly.
Lua turns numbers into integers in replies: fractions are returned as strings.
"""

# Put an in-flight value back in its host's queue, in its old place (its score).
REQUEUE = """
local function requeue(P, hostnext, value)
  local a = string.find(value, '\\n', 1, true)
  local b = string.find(value, '\\n', a + 1, true)
  local host = string.sub(value, 1, a - 1)
  redis.call('ZADD', P .. ':q:' .. host, string.sub(value, a + 1, b - 1), string.sub(value, b + 1))
  if not redis.call('ZSCORE', P .. ':hosts', host) then
    redis.call('ZADD', P .. ':hosts', redis.call('HGET', hostnext, host) or '0', host)
  end
  redis.call('INCR', P .. ':count')
end
"""

# ARGV: P, hostnext, host, priority, request[, fingerprint] → its sequence number, or 0 when the run has seen
# the fingerprint already (the duplicate filter's set, P:seen). Filter and queue in one step: a worker dying
# in between would leave a request seen and never queued.
PUSH = """
local P, hostnext, host = ARGV[1], ARGV[2], ARGV[3]
if ARGV[6] and redis.call('SADD', P .. ':seen', ARGV[6]) == 0 then return 0 end
local seq = redis.call('INCR', P .. ':seq')
redis.call('ZADD', P .. ':q:' .. host, -tonumber(ARGV[4]) * 1e12 + seq, seq .. ':' .. ARGV[5])
if not redis.call('ZSCORE', P .. ':hosts', host) then
  redis.call('ZADD', P .. ':hosts', redis.call('HGET', hostnext, host) or '0', host)
end
redis.call('INCR', P .. ':count')
return seq
"""

# ARGV: P, hostnext, worker, delay, horizon
# The request of the host whose turn comes first (its best-priority one, first come first served), now in
# the worker's in-flight hash: {"req", seq, request}. The host moves `delay` back in this run's order, so
# that workers take many hosts side by side rather than a run of one host's requests; its turns themselves
# are booked when a request is sent (BOOK). {"wait", seconds} when every host's turn is beyond the horizon;
# {} when nothing is queued.
POP = """
local P, hostnext, W = ARGV[1], ARGV[2], ARGV[3]
local delay, horizon = tonumber(ARGV[4]), tonumber(ARGV[5])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
for _ = 1, 64 do
  local top = redis.call('ZRANGE', P .. ':hosts', 0, 0, 'WITHSCORES')
  if #top == 0 then return {} end
  local host, at = top[1], tonumber(top[2])
  local booked = tonumber(redis.call('HGET', hostnext, host) or '0')
  if booked > at + 0.0005 then
    redis.call('ZADD', P .. ':hosts', tostring(booked), host)  -- asked since (another worker, run, attachment)
  else
    if at > now + horizon then return {'wait', tostring(at - now)} end
    local q = P .. ':q:' .. host
    local item = redis.call('ZPOPMIN', q)
    if #item == 0 then
      redis.call('ZREM', P .. ':hosts', host)
    else
      if redis.call('ZCARD', q) == 0 then
        redis.call('ZREM', P .. ':hosts', host)
      else
        redis.call('ZADD', P .. ':hosts', tostring(math.max(now, at) + delay), host)
      end
      redis.call('DECR', P .. ':count')
      local member = item[1]
      local seq = string.sub(member, 1, string.find(member, ':', 1, true) - 1)
      redis.call('HSET', P .. ':inflight:' .. W, seq, host .. '\\n' .. item[2] .. '\\n' .. member)
      redis.call('HSET', P .. ':state', W, 'running')
      return {'req', seq, string.sub(member, #seq + 2)}
    end
  end
end
return {'wait', '0.05'}
"""

# ARGV: hostnext, host, delay → seconds to wait for the host's turn, now booked: the next one is `delay` later,
# whichever worker (or run) asks. Every request sent is booked, from the queue or not (attachments,
# robots.txt).
BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ready = math.max(now, tonumber(redis.call('HGET', ARGV[1], ARGV[2]) or '0'))
redis.call('HSET', ARGV[1], ARGV[2], tostring(ready + tonumber(ARGV[3])))
return tostring(ready - now)
"""

# ARGV: P, hostnext, worker, seq… → how many of the worker's in-flight requests went back to the queue
REQUEUE_OWN = (
    REQUEUE
    + """
local P, hostnext, W = ARGV[1], ARGV[2], ARGV[3]
local n = 0
for i = 4, #ARGV do
  local value = redis.call('HGET', P .. ':inflight:' .. W, ARGV[i])
  if value then
    requeue(P, hostnext, value)
    redis.call('HDEL', P .. ':inflight:' .. W, ARGV[i])
    n = n + 1
  end
end
return n
"""
)

# ARGV: P, hostnext, me → {worker, requeued, …}: workers still running or idle whose heartbeat has expired,
# now `killed`, their in-flight requests queued again (nothing a dead worker took is lost).
RESCUE = (
    REQUEUE
    + """
local P, hostnext, me = ARGV[1], ARGV[2], ARGV[3]
local out = {}
local states = redis.call('HGETALL', P .. ':state')
for i = 1, #states, 2 do
  local w, st = states[i], states[i + 1]
  if w ~= me and (st == 'running' or st == 'idle') and redis.call('EXISTS', P .. ':alive:' .. w) == 0 then
    local inflight = redis.call('HGETALL', P .. ':inflight:' .. w)
    for j = 2, #inflight, 2 do requeue(P, hostnext, inflight[j]) end
    redis.call('DEL', P .. ':inflight:' .. w)
    redis.call('HSET', P .. ':state', w, 'killed')
    table.insert(out, w)
    table.insert(out, #inflight / 2)
  end
end
return out
"""
)

# KEYS: crawl key, runs; ARGV: prefix, new run id, worker, ttl, crawl, spider, started, scope (JSON)
# → {run, 1 if this worker opened it}. Joining and registering are one step: a run that is closing
# cannot take a worker in between.
JOIN = """
local run = redis.call('GET', KEYS[1])
local opened = 0
if not run then
  run = ARGV[2]
  redis.call('SET', KEYS[1], run)
  redis.call('SADD', KEYS[2], run)
  redis.call('HSET', ARGV[1] .. ':run:' .. run, 'crawl', ARGV[5], 'spider', ARGV[6], 'started', ARGV[7],
             'scope', ARGV[8])
  opened = 1
end
local P = ARGV[1] .. ':run:' .. run
redis.call('HSET', P .. ':state', ARGV[3], 'running')
redis.call('SET', P .. ':alive:' .. ARGV[3], '1', 'EX', ARGV[4])
return {run, opened}
"""

# ARGV: P, worker → {queued, other workers running, my in-flight}; marks the worker idle (Scrapy says it
# has nothing in progress), so that workers waiting for each other do not wait forever.
IDLE = """
local P, W = ARGV[1], ARGV[2]
redis.call('HSET', P .. ':state', W, 'idle')
local running = 0
local states = redis.call('HGETALL', P .. ':state')
for i = 1, #states, 2 do
  if states[i] ~= W and states[i + 1] == 'running' then running = running + 1 end
end
return {tonumber(redis.call('GET', P .. ':count') or '0'), running, redis.call('HLEN', P .. ':inflight:' .. W)}
"""

# KEYS: rows, runs, crawl key; ARGV: P, run, run-finish entry
# → 1 the run is over (this call closed it: the run-finish entry is queued, the crawl may start a new run),
#   2 closed already, 0 a worker is still running, 3 only idle workers remain (they are about to end, or
#   dead: wait), 4 work is left but no worker (the run stays open: the next worker started resumes it).
TRY_CLOSE = """
local P, run = ARGV[1], ARGV[2]
if redis.call('SISMEMBER', KEYS[2], run) == 0 then return 2 end
local idle = 0
local states = redis.call('HGETALL', P .. ':state')
for i = 1, #states, 2 do
  if states[i + 1] == 'running' then return 0 end
  if states[i + 1] == 'idle' then idle = 1 end
end
if idle == 1 then return 3 end
if tonumber(redis.call('GET', P .. ':count') or '0') > 0 then return 4 end
for i = 1, #states, 2 do
  if redis.call('HLEN', P .. ':inflight:' .. states[i]) > 0 then return 4 end
end
redis.call('LPUSH', KEYS[1], ARGV[3])
redis.call('SREM', KEYS[2], run)
if redis.call('GET', KEYS[3]) == run then redis.call('DEL', KEYS[3]) end
return 1
"""

# ARGV: P, worker, worker-finish entry; KEYS: rows → the worker has ended (its record queued).
END = """
redis.call('HSET', ARGV[1] .. ':state', ARGV[2], 'ended')
redis.call('DEL', ARGV[1] .. ':alive:' .. ARGV[2])
redis.call('LPUSH', KEYS[1], ARGV[3])
return 1
"""

# KEYS: claims (this run), owners (mirror), state (mirror); ARGV: sha256, url → the URL that keeps these
# bytes when it is another one (a cross-post), else nil (this URL claims them). Earlier runs' owners count
# while their committed row still holds the bytes; within a run, the first to claim keeps them.
CLAIM = """
local claimed = redis.call('HGET', KEYS[1], ARGV[1])
if claimed then
  if claimed == ARGV[2] then return nil end
  return claimed
end
local owner = redis.call('HGET', KEYS[2], ARGV[1])
if owner and owner ~= ARGV[2] then
  local raw = redis.call('HGET', KEYS[3], owner)
  if raw then
    local row = cjson.decode(raw)
    if row['sha256'] == ARGV[1] and row['kind'] == 'document' and row['status'] == 'ok' then return owner end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return nil
"""
