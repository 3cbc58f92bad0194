;;! id = "authority.wasi-preview2-names"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports WASI 0.2 interfaces (wasi:cli/environment, wasi:filesystem/preopens) by core names"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["wasi:cli/environment@0.2.0::get-environment", "wasi:filesystem/preopens@0.2.0::get-directories"] }
;; Core modules produced for WASI 0.2 import interface functions under module names such as
;; "wasi:cli/environment@0.2.0". They share the "wasi:" prefix style with "yoi:tool"; a runtime that
;; allows any "<ns>:<iface>" module, or any WASI version, would link them.
(module
  ;; Imports outside ABI v1 (what the case is about):
  (import "wasi:cli/environment@0.2.0" "get-environment" (func $get_environment (param i32)))
  (import "wasi:filesystem/preopens@0.2.0" "get-directories" (func $get_directories (param i32)))
  ;; The one import the guest is entitled to:
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (call $get_environment (i32.const 256))
    (call $get_directories (i32.const 512))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
