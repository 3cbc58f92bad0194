;;! id = "package.component-binary"
;;! guarantee = "PKG-07"
;;! since = "0.1.0"
;;! summary = "an (empty) component instead of a core module"
;;! [package]
;;! raw_module_hex = "0061736d 0d000100"
;;! [expect]
;;! code = "module_invalid"
;; Components share the magic with core modules and differ in version and layer. ABI v1 runs core
;; modules only: module_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
