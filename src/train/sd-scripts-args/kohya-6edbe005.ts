/**
 * Arguments of kohya-ss/sd-scripts at commit 6edbe00547bac6c2efb2d6952eb910851662cdf2, transcribed from the
 * parser code of the files named in `sources` (see SOURCE.md beside this file for how the list was made).
 * One argument a line: `name kind [choice|choice…]`; the `# …` lines name the function that adds the group.
 */
import { parseArgTables, parseDatasetKeys, parsePromptOptions } from './parse.js';
import type { SdScriptsVersion } from './types.js';

const COMMIT = '6edbe00547bac6c2efb2d6952eb910851662cdf2';

const TRAIN_NETWORK_GROUPS = {
  'library/train_util.py add_sd_models_arguments': `
    v2 flag
    v_parameterization flag
    pretrained_model_name_or_path str
    tokenizer_cache_dir str`,
  'library/train_util.py add_dataset_arguments(parser, True, True, True)': `
    train_data_dir str
    cache_info flag
    shuffle_caption flag
    caption_separator str
    caption_extension str
    caption_extention str
    keep_tokens int
    keep_tokens_separator str
    secondary_separator str
    enable_wildcard flag
    caption_prefix str
    caption_suffix str
    color_aug flag
    flip_aug flag
    face_crop_aug_range str
    random_crop flag
    debug_dataset flag
    resolution str
    cache_latents flag
    vae_batch_size int
    cache_latents_to_disk flag
    skip_cache_check flag
    enable_bucket flag
    min_bucket_reso int
    max_bucket_reso int
    bucket_reso_steps int
    bucket_no_upscale flag
    resize_interpolation str lanczos|nearest|bilinear|linear|bicubic|cubic|area
    token_warmup_min int
    token_warmup_step float
    alpha_mask flag
    dataset_class str
    caption_dropout_rate float
    caption_dropout_every_n_epochs int
    caption_tag_dropout_rate float
    reg_data_dir str
    in_json str
    dataset_repeats int`,
  'library/train_util.py add_training_arguments(parser, True)': `
    output_dir str
    output_name str
    huggingface_repo_id str
    huggingface_repo_type str
    huggingface_path_in_repo str
    huggingface_token str
    huggingface_repo_visibility str
    save_state_to_huggingface flag
    resume_from_huggingface flag
    async_upload flag
    save_precision str float|fp16|bf16
    save_every_n_epochs int
    save_every_n_steps int
    save_n_epoch_ratio int
    save_last_n_epochs int
    save_last_n_epochs_state int
    save_last_n_steps int
    save_last_n_steps_state int
    save_state flag
    save_state_on_train_end flag
    resume str
    train_batch_size int
    max_token_length int 150|225
    mem_eff_attn flag
    torch_compile flag
    dynamo_backend str eager|aot_eager|inductor|aot_ts_nvfuser|nvprims_nvfuser|cudagraphs|ofi|fx2trt|onnxrt|tensort|ipex|tvm
    xformers flag
    sdpa flag
    vae str
    max_train_steps int
    max_train_epochs int
    max_data_loader_n_workers int
    persistent_data_loader_workers flag
    seed int
    gradient_checkpointing flag
    gradient_accumulation_steps int
    mixed_precision str no|fp16|bf16
    full_fp16 flag
    full_bf16 flag
    fp8_base flag
    ddp_timeout int
    ddp_gradient_as_bucket_view flag
    ddp_static_graph flag
    clip_skip int
    logging_dir str
    log_with str tensorboard|wandb|all
    log_prefix str
    log_tracker_name str
    wandb_run_name str
    log_tracker_config str
    wandb_api_key str
    log_config flag
    noise_offset float
    noise_offset_random_strength flag
    multires_noise_iterations int
    ip_noise_gamma float
    ip_noise_gamma_random_strength flag
    multires_noise_discount float
    adaptive_noise_scale float
    zero_terminal_snr flag
    min_timestep int
    max_timestep int
    loss_type str l1|l2|huber|smooth_l1
    huber_schedule str constant|exponential|snr
    huber_c float
    huber_scale float
    lowram flag
    highvram flag
    sample_every_n_steps int
    sample_at_first flag
    sample_every_n_epochs int
    sample_prompts str
    sample_sampler str ddim|pndm|lms|euler|euler_a|heun|dpm_2|dpm_2_a|dpmsolver|dpmsolver++|dpmsingle|k_lms|k_euler|k_euler_a|k_dpm_2|k_dpm_2_a
    config_file str
    output_config flag
    prior_loss_weight float`,
  'library/train_util.py add_masked_loss_arguments': `
    conditioning_data_dir str
    masked_loss flag`,
  'library/train_util.py add_optimizer_arguments': `
    optimizer_type str
    use_8bit_adam flag
    use_lion_optimizer flag
    learning_rate float
    max_grad_norm float
    optimizer_args str*
    lr_scheduler_type str
    lr_scheduler_args str*
    lr_scheduler str
    lr_warmup_steps int_or_float
    lr_decay_steps int_or_float
    lr_scheduler_num_cycles int
    lr_scheduler_power float
    fused_backward_pass flag
    lr_scheduler_timescale int
    lr_scheduler_min_lr_ratio float`,
  'library/config_util.py add_config_arguments': `
    dataset_config str`,
  'library/custom_train_functions.py add_custom_train_arguments': `
    min_snr_gamma float
    scale_v_pred_loss_like_noise_pred flag
    v_pred_like_loss float
    debiased_estimation_loss flag
    weighted_captions flag`,
  'train_network.py setup_parser': `
    cpu_offload_checkpointing flag
    no_metadata flag
    save_model_as str ckpt|pt|safetensors
    unet_lr float
    text_encoder_lr float*
    fp8_base_unet flag
    network_weights str
    network_module str
    network_dim int
    network_alpha float
    network_dropout float
    network_args str*
    network_train_unet_only flag
    network_train_text_encoder_only flag
    training_comment str
    dim_from_weights flag
    scale_weight_norms float
    base_weights str*
    base_weights_multiplier float*
    no_half_vae flag
    skip_until_initial_step flag
    initial_epoch int
    initial_step int
    validation_seed int
    validation_split float
    validate_every_n_steps int
    validate_every_n_epochs int
    max_validation_steps int`,
};

const GEN_IMG_GROUPS = {
  'gen_img.py setup_parser': `
    sdxl flag
    v1 flag
    v2 flag
    v_parameterization flag
    prompt str
    from_file str
    from_module str
    prompter_module_args str
    interactive flag
    no_preview flag
    image_path str
    mask_path str
    strength float
    images_per_prompt int
    outdir str
    sequential_file_name flag
    use_original_file_name flag
    n_iter int
    H int
    W int
    original_height int
    original_width int
    original_height_negative int
    original_width_negative int
    crop_top int
    crop_left int
    batch_size int
    vae_batch_size float
    vae_slices int
    no_half_vae flag
    steps int
    sampler str ddim|pndm|lms|euler|euler_a|heun|dpm_2|dpm_2_a|dpmsolver|dpmsolver++|dpmsingle|k_lms|k_euler|k_euler_a|k_dpm_2|k_dpm_2_a
    scale float
    ckpt str
    vae str
    tokenizer_cache_dir str
    seed int
    iter_same_seed flag
    shuffle_prompts flag
    fp16 flag
    bf16 flag
    xformers flag
    sdpa flag
    diffusers_xformers flag
    opt_channels_last flag
    network_module str*
    network_weights str*
    network_mul float*
    network_args str*
    network_show_meta flag
    network_merge_n_models int
    network_merge flag
    network_pre_calc flag
    network_regional_mask_max_color_codes int
    textual_inversion_embeddings str*
    clip_skip int
    max_embeddings_multiples int
    emb_normalize_mode str original|none|abs
    guide_image_path str*
    highres_fix_scale float
    highres_fix_steps int
    highres_fix_strength float
    highres_fix_save_1st flag
    highres_fix_latents_upscaling flag
    highres_fix_upscaler str
    highres_fix_upscaler_args str
    highres_fix_disable_control_net flag
    negative_scale float
    control_net_lllite_models str*
    control_net_models str*
    control_net_preps str*
    control_net_multipliers float*
    control_net_ratios float*
    clip_vision_strength float
    ds_depth_1 int
    ds_timesteps_1 int
    ds_depth_2 int
    ds_timesteps_2 int
    ds_ratio float
    gradual_latent_timesteps int
    gradual_latent_ratio float
    gradual_latent_ratio_step float
    gradual_latent_every_n_steps int
    gradual_latent_s_noise float
    gradual_latent_unsharp_params str`,
};

/** gen_img.py main(): the `re.match` patterns applied to each " --" part of a prompt line. */
const GEN_IMG_PROMPT_OPTIONS = `
  w int
  h int
  ow int
  oh int
  nw int
  nh int
  ct int
  cl int
  s int
  d int_list
  l float
  nl float_or_none
  t float
  n text
  c text
  am float_list
  dsd1 float
  dst1 float
  dsd2 float
  dst2 float
  dsr float
  glt float
  glr float
  gle float
  gls float
  glsn float
  glus float_list
  f text`;

/** library/config_util.py ConfigSanitizer with support_dreambooth and support_dropout, DreamBooth-style datasets. */
const DATASET_KEYS = `
  # DATASET_ASCENDABLE_SCHEMA: [general] and [[datasets]]
  general batch_size int
  general bucket_no_upscale bool
  general bucket_reso_steps int
  general enable_bucket bool
  general max_bucket_reso int
  general min_bucket_reso int
  general validation_seed int
  general validation_split float
  general resolution int_or_pair
  general network_multiplier float
  dataset batch_size int
  dataset bucket_no_upscale bool
  dataset bucket_reso_steps int
  dataset enable_bucket bool
  dataset max_bucket_reso int
  dataset min_bucket_reso int
  dataset validation_seed int
  dataset validation_split float
  dataset resolution int_or_pair
  dataset network_multiplier float
  # SUBSET_ASCENDABLE_SCHEMA: all three levels
  general color_aug bool
  general face_crop_aug_range float_pair
  general flip_aug bool
  general num_repeats int
  general random_crop bool
  general shuffle_caption bool
  general keep_tokens int
  general keep_tokens_separator str
  general secondary_separator str
  general caption_separator str
  general enable_wildcard bool
  general token_warmup_min int
  general token_warmup_step number
  general caption_prefix str
  general caption_suffix str
  general custom_attributes table
  dataset color_aug bool
  dataset face_crop_aug_range float_pair
  dataset flip_aug bool
  dataset num_repeats int
  dataset random_crop bool
  dataset shuffle_caption bool
  dataset keep_tokens int
  dataset keep_tokens_separator str
  dataset secondary_separator str
  dataset caption_separator str
  dataset enable_wildcard bool
  dataset token_warmup_min int
  dataset token_warmup_step number
  dataset caption_prefix str
  dataset caption_suffix str
  dataset custom_attributes table
  subset color_aug bool
  subset face_crop_aug_range float_pair
  subset flip_aug bool
  subset num_repeats int
  subset random_crop bool
  subset shuffle_caption bool
  subset keep_tokens int
  subset keep_tokens_separator str
  subset secondary_separator str
  subset caption_separator str
  subset enable_wildcard bool
  subset token_warmup_min int
  subset token_warmup_step number
  subset caption_prefix str
  subset caption_suffix str
  subset custom_attributes table
  # DO_SUBSET_ASCENDABLE_SCHEMA: all three levels
  general caption_dropout_every_n_epochs int
  general caption_dropout_rate number
  general caption_tag_dropout_rate number
  dataset caption_dropout_every_n_epochs int
  dataset caption_dropout_rate number
  dataset caption_tag_dropout_rate number
  subset caption_dropout_every_n_epochs int
  subset caption_dropout_rate number
  subset caption_tag_dropout_rate number
  # DB_SUBSET_ASCENDABLE_SCHEMA: all three levels
  general caption_extension str
  general class_tokens str
  general cache_info bool
  dataset caption_extension str
  dataset class_tokens str
  dataset cache_info bool
  subset caption_extension str
  subset class_tokens str
  subset cache_info bool
  # DB_SUBSET_DISTINCT_SCHEMA: [[datasets.subsets]] only (image_dir is required there)
  subset image_dir str
  subset is_reg bool
  subset alpha_mask bool`;

/** requirements.txt at the commit, without its comments. */
const REQUIREMENTS = `
  accelerate==1.6.0
  transformers==4.54.1
  diffusers[torch]==0.32.1
  ftfy==6.3.1
  opencv-python==4.10.0.84
  einops==0.7.0
  bitsandbytes==0.45.4
  lion-pytorch==0.2.3
  schedulefree==1.4
  pytorch-optimizer==3.7.0
  prodigy-plus-schedule-free==1.9.2
  prodigyopt==1.1.2
  tensorboard
  safetensors==0.4.5
  toml==0.10.2
  voluptuous==0.15.2
  huggingface-hub==0.34.3
  imagesize==1.4.1
  numpy
  rich==14.1.0
  sentencepiece==0.2.1
  -e .`;

export const KOHYA_6EDBE005: SdScriptsVersion = {
  repository: 'https://github.com/kohya-ss/sd-scripts',
  commit: COMMIT,
  sources: [
    { file: 'train_network.py', commit: COMMIT, read: 'setup_parser' },
    {
      file: 'library/train_util.py',
      commit: COMMIT,
      read: 'add_sd_models_arguments, add_dataset_arguments, add_training_arguments, add_masked_loss_arguments, add_optimizer_arguments',
    },
    { file: 'requirements.txt', commit: COMMIT, read: 'every line' },
    { file: 'library/config_util.py', commit: '264167fa1636c79f106c63c3cdb67b6bee80aceb', read: 'add_config_arguments, ConfigSanitizer schemas' },
    { file: 'library/custom_train_functions.py', commit: '0329bea5848f1761a3bb1a540cb47324dd88e059', read: 'add_custom_train_arguments' },
    { file: 'gen_img.py', commit: '43bfeea6002f4e0421ec096c529a13dfd3303c0b', read: 'setup_parser, prompt-line options in main' },
  ],
  trainNetwork: parseArgTables(TRAIN_NETWORK_GROUPS),
  genImg: parseArgTables(GEN_IMG_GROUPS),
  genImgPromptOptions: parsePromptOptions(GEN_IMG_PROMPT_OPTIONS),
  datasetConfig: parseDatasetKeys(DATASET_KEYS),
  requirements: REQUIREMENTS.split('\n')
    .map((l) => l.trim())
    .filter(Boolean),
};
