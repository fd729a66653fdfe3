;;; lsp_mode_drive.el --- Emacs with lsp-mode through the scenario of editor_helpers.py  -*- lexical-binding: t -*-
;; Run in tmux: emacs -nw -q -l lsp_mode_drive.el (Debian's elpa-lsp-mode).  Writes what
;; it saw to $REPORT.

(package-initialize)
(require 'lsp-mode)
(load (expand-file-name "drive_common" (file-name-directory load-file-name)) nil t)

;; A machine under load: the first requests wait for the engine to be built.
(setq lsp-response-timeout 60
      lsp-diagnostics-provider :flymake
      lsp-auto-guess-root nil
      lsp-enable-suggest-server-download nil
      lsp-headerline-breadcrumb-enable nil
      lsp-session-file (expand-file-name "lsp-session" (getenv "HOME")))

;; The README's configuration, as written there.
(with-eval-after-load 'lsp-mode
  (lsp-register-client
   (make-lsp-client :new-connection (lsp-stdio-connection '("orchestra" "serve"))
                    :activation-fn (lsp-activate-on "markdown" "python" "plaintext")
                    :priority 10
                    :server-id 'orchestra)))

(defun drive-open (relative)
  (find-file (expand-file-name relative drive-root))
  (lsp)
  (drive-wait "lsp-mode to connect" 30
              (lambda () (and lsp--buffer-workspaces
                              (eq (lsp--workspace-status (car lsp--buffer-workspaces))
                                  'initialized)))))

(defun drive-actions (title)
  (seq-find (lambda (a) (equal (lsp:code-action-title a) title))
            (lsp-code-actions-at-point)))

(defun drive ()
  (let (steps)
    (lsp-workspace-folders-add drive-root)
    ;; 1. Diagnostics on a line with astral characters, and the quick fix.
    (drive-open ".orchestra/agents/emo.md")
    (drive-fix-diagnostic
     (lambda (_beg _end)
       (let ((fix (drive-actions "Change to 'edit'")))
         (unless fix (error "No quick fix offered"))
         (lsp-execute-code-action fix))))
    (push "diagnostic" steps)
    (push "quick fix" steps)
    ;; 2. Template completion: what a completion UI does when the item is picked.
    (drive-open ".orchestra/commands/two.md")
    (goto-char (point-min))
    (search-forward "{{steps.p")
    (let* ((capf (drive-wait "completion" 30
                             (lambda ()
                               (let ((capf (lsp-completion-at-point)))
                                 (and capf (all-completions "" (nth 2 capf)) capf)))))
           (items (all-completions "" (nth 2 capf))))
      (drive-put 'completion_labels (vconcat (mapcar #'substring-no-properties items)))
      (drive-complete capf (drive-choice items "steps.plan.output")))
    (drive-put 'completed_line (drive-line))
    (push "completion" steps)
    ;; 3. A command run from a code action.
    (drive-open "app.py")
    (let ((hello (drive-actions "Orchestra: Say hello")))
      (unless hello (error "No command offered"))
      (lsp-execute-code-action hello))
    (drive-wait "the run to finish" 60 (lambda () (drive-finished 1)))
    (push "command run" steps)
    ;; 4. A review, through the message request, applied to the buffer.
    (let ((fix (progn (goto-char (point-min)) (drive-actions "Orchestra: Say hello in app.py"))))
      (unless fix (error "No fix command offered"))
      (lsp-execute-code-action fix))
    (drive-wait "the reviewed run to finish" 60 (lambda () (drive-finished 2)))
    (drive-put 'review_prompt (or (car drive-asked) ""))
    (goto-char (point-min))
    (drive-put 'reviewed_line (drive-line))
    (push "review" steps)
    (drive-put 'steps (vconcat (reverse steps)))
    (drive-put 'messages (with-current-buffer "*Messages*" (buffer-string)))))

(drive-run #'drive)
