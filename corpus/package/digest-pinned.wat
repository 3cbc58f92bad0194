;;! id = "package.digest-pinned"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "an intact package loads and runs with its digest pinned"
;;! [package]
;;! pad_module_to = 1024
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The control of package.tampered-after-pin: the same module and padding, untampered. A runtime
;; that hashes packages differently from docs/CASES.md refuses this one too.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package is intact.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
