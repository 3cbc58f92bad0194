;;! id = "cache.corrupted-entry-recompiled"
;;! guarantee = "CACHE-01"
;;! since = "0.1.0"
;;! summary = "the cached entries of this module are corrupted between two loads"
;;! capabilities = ["disk_cache"]
;;! [disk_cache]
;;! attack = "corrupt"
;;! [expect]
;;! output = { summary = "compiled again" }
;; The warm-up request caches this module; the kit flips a byte in the middle and the last byte
;; of every file the runtime wrote; the judged request must neither crash nor run damaged code:
;; it discards the entry and compiles the package again.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"compiled again\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
