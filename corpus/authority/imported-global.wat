;;! id = "authority.imported-global"
;;! guarantee = "AUTH-03"
;;! since = "0.1.0"
;;! summary = "imports a mutable global env.__stack_pointer as C toolchains do"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::__stack_pointer"] }
;; A mutable imported global is state shared with the host and across calls. Toolchains emit this
;; exact import when linking against a shared stack pointer. Denied.
(module
  (import "env" "__stack_pointer" (global (mut i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
