;;! id = "authority.yoi-host-api-imports"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports functions of yoi:request and yoi:fs, the originating host's later host APIs"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:request::send", "yoi:fs::read"], count = 2 }
;; The host that introduced this ABI name later added host-API modules beside yoi:tool (an HTTP
;; request API, a file API) under the same ABI name. They are not part of ABI v1 here (docs/SPEC.md
;; section 4): a plugin that imports them is refused before it runs, by name, whatever the function
;; names are (these two stand for any). A runtime that links a host module by its prefix, or
;; answers its functions with traps or -1, fails.
(module
  (import "yoi:request" "send" (func $send (param i32 i32) (result i32)))
  (import "yoi:fs" "read" (func $read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $send (i32.const 256) (i32.const 16)))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))
