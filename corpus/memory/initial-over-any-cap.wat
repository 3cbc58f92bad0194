;;! id = "memory.initial-over-any-cap"
;;! guarantee = "MEM-01"
;;! since = "0.2.0"
;;! summary = "declares 65536 pages of initial memory, all 4 GiB a 32-bit memory can address"
;;! endless = true
;;! [expect]
;;! code = "memory_limit"
;; More than any cap a runtime keeps below 4 GiB, so the refusal is checked at a memory cap the
;; runtime declares fixed, where `memory.initial-over-cap` (33 pages) is within it.
(module
  (memory (export "memory") 65536)
  (func (export "yoi_tool_call")))
