;;! id = "cache.planted-entry-not-run"
;;! guarantee = "CACHE-01"
;;! since = "0.1.0"
;;! summary = "another module's cache entry, forged to name this module, is planted before the load"
;;! capabilities = ["disk_cache"]
;;! [disk_cache]
;;! attack = "plant"
;;! [expect]
;;! output = { summary = "compiled from the package" }
;; Three requests share one cache directory and one key file (docs/CASES.md, `[disk_cache]`).
;; The first loads this package, so the runtime caches its compiled code. The second loads the
;; kit's planted module, whose output says that planted code ran. The kit then forges the
;; planted module's entries into entries of this module (hashes swapped, header checksums
;; recomputed) as someone who can write the directory but lacks the key would. The judged
;; request loads this package again, pinned to its own digest: it must run this module.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"compiled from the package\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 39)))))
