;;! id = "component.core-module-declared-as-component"
;;! guarantee = "COMP-02"
;;! since = "0.1.0"
;;! summary = "the manifest declares a component; the file is a valid core module of ABI yoi-plugin-wasm-1"
;;! profile = "component"
;;! [expect]
;;! code = "module_invalid"
;; A module that would run under kind = "wasm" is not a component: the manifest chooses the
;; profile, and the bytes must be what it declares.
(module
  (import "yoi:tool" "output_write" (func $out (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"ok\"}")
  (func (export "yoi_tool_call") (drop (call $out (i32.const 0) (i32.const 16)))))
