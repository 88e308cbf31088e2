import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Actor } from './access';

export const CurrentActor = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Actor => ctx.switchToHttp().getRequest<{ actor: Actor }>().actor,
);
