-- wrk script: POST a knock (or a ceiling row) with a fresh request id each time.
-- Settings come from the environment: KNOCK_PATHS (space-separated paths), KNOCK_COOKIE, KNOCK_CSRF.
local paths, counter = {}, 0
thread_tag = ""
for path in string.gmatch(os.getenv("KNOCK_PATHS") or "/store", "%S+") do paths[#paths + 1] = path end
local cookie, csrf = os.getenv("KNOCK_COOKIE") or "", os.getenv("KNOCK_CSRF") or ""
local threads_made = 0

function setup(thread)
  threads_made = threads_made + 1
  thread:set("thread_tag", string.format("t%d%d", threads_made, os.time()))
end

function init(args)
  math.randomseed(os.time() + (tonumber(string.sub(thread_tag, 2, 2)) or 0))
  thread_tag = thread_tag .. string.format("%06d", math.random(0, 999999))
end

request = function()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local body = "outcome=not_home&channel=door&request_id=" .. thread_tag .. "x" .. counter
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
                   ["Accept-Encoding"] = "gzip, br"}
  if cookie ~= "" then headers["Cookie"] = cookie end
  if csrf ~= "" then headers["X-CSRFToken"] = csrf end
  return wrk.format("POST", path, headers, body)
end
