;;! id = "package.module-at-cap"
;;! guarantee = "PKG-06"
;;! since = "0.1.0"
;;! summary = "a module of exactly module_bytes = 4096 bytes loads and runs"
;;! separates_up_to = { module_bytes = 4096 }
;;! [limits]
;;! module_bytes = 4096
;;! [package]
;;! pad_module_to = 4096
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The other side of the edge: exactly the cap is allowed, so an off-by-one in the size check fails
;; this case.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns: the module is exactly at the cap, so it must run.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
