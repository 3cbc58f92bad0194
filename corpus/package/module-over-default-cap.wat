;;! id = "package.module-over-default-cap"
;;! guarantee = "PKG-06"
;;! since = "0.1.0"
;;! summary = "a module one byte over the default 8 MiB cap"
;;! separates_up_to = { module_bytes = 8388608 }
;;! separates_from = { module_bytes = 8388608 }
;;! [package]
;;! pad_module_to = 8388609
;;! [expect]
;;! code = "module_too_large"
;; 8388609 bytes with no [limits] override: the default cap must be enforced, not only a configured
;; one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
