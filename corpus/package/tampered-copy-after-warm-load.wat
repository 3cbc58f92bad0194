;;! id = "package.tampered-copy-after-warm-load"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "the package loads and runs, then a tampered copy is loaded with the same pin"
;;! [package]
;;! pad_module_to = 1024
;;! tamper_after_pin = true
;;! warm_up = true
;;! [expect]
;;! code = "digest_mismatch"
;; One request, two calls. The warm-up call loads the intact package with its pin (it must load:
;; the kit checks that it was not refused), so the runtime's caches now hold that digest. The
;; judged call loads a copy of the package whose module has one bit flipped in its padding, pinned
;; with the original's digest. A runtime that answers a pinned digest from what it loaded before
;; runs the copy; one that re-reads and re-hashes on every load, cache hits included, fails with
;; digest_mismatch. Both calls are in one request, so the verdict does not depend on which other
;; cases ran before or beside this one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package is loaded (the warm-up, or a stale cache).
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
