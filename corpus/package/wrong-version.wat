;;! id = "package.wrong-version"
;;! guarantee = "PKG-07"
;;! since = "0.1.0"
;;! summary = "WebAssembly magic with binary version 2"
;;! [package]
;;! raw_module_hex = "0061736d 02000000"
;;! [expect]
;;! code = "module_invalid"
;; The magic is right, the version is not 1: module_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
