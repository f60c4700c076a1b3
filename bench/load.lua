-- The clinic's request mix for wrk. bench/load.py writes the paths and the credentials
-- into targets.lua beside this script and names it in the LOAD_TARGETS variable.
local targets = dofile(os.getenv("LOAD_TARGETS"))
local mix = {}

for _, entry in ipairs(targets.requests) do
  for _ = 1, entry.weight do
    table.insert(mix, entry)
  end
end

local counter = 0

request = function()
  counter = counter + 1
  local entry = mix[math.random(#mix)]
  local headers = {}
  if entry.api then
    headers["Authorization"] = "Bearer " .. targets.token
  else
    headers["Cookie"] = targets.cookie
  end
  if entry.body then
    headers["Content-Type"] = "application/json"
    local body = entry.body:gsub("COUNTER", tostring(counter))
    return wrk.format("POST", entry.path, headers, body)
  end
  return wrk.format("GET", entry.path, headers)
end

local failures = 0

response = function(status, headers, body)
  if status >= 400 then
    failures = failures + 1
    if failures <= 3 then
      io.stderr:write("unexpected answer " .. status .. "\n")
    end
  end
end
