;;! id = "package.native-binary"
;;! guarantee = "PKG-07"
;;! since = "0.1.0"
;;! summary = "the module file is the start of an ELF executable"
;;! [package]
;;! raw_module_hex = "7f454c46 02010100 00000000 00000000 0300 3e00 01000000"
;;! [expect]
;;! code = "module_invalid"
;; A native binary where a WebAssembly module belongs (wrong magic): module_invalid, and the runtime
;; must never try to execute it some other way.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
