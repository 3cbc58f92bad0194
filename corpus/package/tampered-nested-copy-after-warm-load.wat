;;! id = "package.tampered-nested-copy-after-warm-load"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "lib/plugin.wasm loads and runs, then a copy whose module lost one bit is loaded with the same pin"
;;! [package]
;;! entry = "lib/plugin.wasm"
;;! pad_module_to = 2048
;;! tamper_after_pin = true
;;! warm_up = true
;;! [expect]
;;! code = "digest_mismatch"
;; The second case of package.tampered-copy-after-warm-load, with the module one directory down and
;; the flipped bit in padding (so the changed module is still valid and would run). The warm-up call
;; loads the intact package; the judged calls load the tampered copy under the same pin. A runtime
;; that answers a pin it has seen from a cache, without re-reading the files, runs the copy.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
