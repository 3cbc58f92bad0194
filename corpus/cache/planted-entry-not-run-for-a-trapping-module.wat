;;! id = "cache.planted-entry-not-run-for-a-trapping-module"
;;! guarantee = "CACHE-01"
;;! since = "0.1.0"
;;! summary = "a module that traps; a forged entry holding code that succeeds is planted under its name"
;;! capabilities = ["disk_cache"]
;;! [disk_cache]
;;! attack = "plant"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;; The same attack as cache.planted-entry-not-run, told apart by the outcome's kind rather than
;; its text: this module always traps, the planted one succeeds, so a runtime that runs the
;; forged entry answers `ok` where the package's own code fails.
(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call") unreachable))
