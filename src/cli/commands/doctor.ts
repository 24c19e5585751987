import type { RegisterCommand } from '../program';
import { println } from '../io';

export const registerDoctor: RegisterCommand = (program, ctx) => {
  program
    .command('doctor')
    .description('check the Docker engine, registry, kubeconfig and prodlike.yaml, with a fix for each problem')
    .action(async () => {
      println(ctx.io, 'doctor: not yet');
    });
};
